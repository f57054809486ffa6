-- One resident after another on each connection: GET the survey, POST the answers with the
-- form's token, submission key and session cookie, then start over as a new resident.
-- Run with as many threads as connections, so that each thread's state is one connection's.
local path = os.getenv("SURVEY_PATH")
local stage, cookie, token, key = "get", nil, nil, nil

request = function()
  if stage == "get" then
    return wrk.format("GET", path)
  end
  local body = "csrf_token=" .. token .. "&submission_key=" .. key .. "&safety_evening=fairly_safe"
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}
  return wrk.format("POST", path, headers, body)
end

response = function(status, headers, body)
  if stage == "get" and status == 200 then
    token = body:match('name="csrf_token"[^>]*value="([^"]+)"')
    key = body:match('name="submission_key"[^>]*value="([0-9a-f]+)"')
    local set = headers["Set-Cookie"] or ""
    cookie = set:match("^([^;]+)")
    if token and key and cookie then
      stage = "post"
    end
  else
    stage = "get"
  end
end
