-- The least a submission can be: GET a page, then POST one row to store (bench/hello.py).
-- Run with as many threads as connections, so that each thread's state is one connection's.
local stage = "get"

request = function()
  if stage == "get" then
    return wrk.format("GET", "/")
  end
  return wrk.format("POST", "/store", {["Content-Type"] = "application/x-www-form-urlencoded"}, "k=v")
end

response = function(status, headers, body)
  stage = (stage == "get") and "post" or "get"
end
