"""Committed defaults. No secrets here: instance/config.py and FEEDBACK_* variables override."""


class Config:
    """Defaults for every deployment; create_app() layers instance and environment on top."""

    # None means "not configured": create_app() refuses to start outside debug and testing.
    SECRET_KEY: str | None = None
    # None means an SQLite file in the instance folder; production sets a postgresql+psycopg URL.
    DATABASE_URL: str | None = None
    # Every QR code and printed link is built from this, never from the request's host.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # How long a request waits for a lock another worker holds before it gives up (and the
    # resident gets the form back with the answers). Well under gunicorn's 30 s timeout.
    DATABASE_LOCK_TIMEOUT_MS = 10_000

    # The survey opens this long before a meeting starts and closes this long after it ends.
    SURVEY_OPENS_MINUTES_BEFORE = 60
    SURVEY_CLOSES_DAYS_AFTER = 14
    # A safety walk's poster invites residents ahead of it, and those who cannot come may
    # answer from the day it goes up: its survey opens a week before the walk.
    WALK_SURVEY_OPENS_MINUTES_BEFORE = 7 * 24 * 60

    # A request may carry this much; a walk's finding may carry PHOTOS_PER_FINDING photos of
    # at most PHOTO_MAX_BYTES each (a phone's camera file), stored re-encoded and far smaller.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PHOTO_MAX_BYTES = 15 * 1024 * 1024
    PHOTOS_PER_FINDING = 4

    # Each organisation has its own name, contact and area (`flask --app wsgi orgs create`).
    # These three name the organisation an installation from before organisations moves
    # into when it is upgraded (the migration b7d41e0c9a12), and are read then only.
    ORGANISATION = "Borlänge kommun"
    CONTACT_EMAIL = "kommun@borlange.se"
    # Free text can name people; `flask --app wsgi retention purge` deletes it this long after
    # its meeting. Answer codes are kept.
    FREE_TEXT_RETENTION_MONTHS = 12

    # Where the first organisation's places can lie, for that upgrade (each organisation now
    # has its own area): south, west, north, east in degrees (WGS 84).
    # A position outside is refused as a slip (latitude and longitude swapped, a digit lost);
    # None allows anywhere on Earth. The districts have no drawn borders, so this box is the
    # check. Borlänge kommun with a margin.
    AREA_BOUNDS: tuple[float, float, float, float] | None = (60.25, 14.85, 60.75, 15.90)

    # A pin on the survey's place question is stored only as the centre of its grid cell, this
    # many metres on a side (at least 100), never as the device reported it.
    MAP_GRID_METRES = 200
    # The municipality's own map tiles for that question, as an address with {z}, {x} and {y}
    # (Web Mercator, 256 pixels square), e.g. "https://karta.example.se/tiles/{z}/{x}/{y}.png".
    # None: no map, and the survey asks no other site for anything; the list of places is the
    # way to answer either way. Each tile request tells the tile server the resident's address,
    # so use a server the municipality runs or has a data processing agreement for.
    MAP_TILES: str | None = None
    # Whom to credit for the tiles, shown under the map: "© Lantmäteriet".
    MAP_ATTRIBUTION = ""

    # A share computed from fewer answers than this is not shown, anywhere.
    MIN_ANSWERS = 5

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"

    # A resident may leave the survey open for a long time; the token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Failed staff logins per client address are counted here, once for all workers:
    # database:// is the app's own database (a `rate_limit` table); production may set
    # redis://host:6379. Never memory://, which counts per worker process.
    RATELIMIT_STORAGE_URI = "database://"
    # Single sign-on for staff with OpenID Connect, one provider per organisation, keyed by the
    # organisation's slug: {"borlange": {"issuer": "https://login.example.se", "client_id":
    # "...", "client_secret": "...", "name": "Borlänge kommuns konto"}}; `name` completes the
    # button "Logga in med …". Set it in instance/config.py, or as JSON in
    # FEEDBACK_OIDC_PROVIDERS (a secret alone: FEEDBACK_OIDC_PROVIDERS__borlange__client_secret).
    # Empty: passwords only.
    OIDC_PROVIDERS: dict[str, dict[str, str]] = {}  # noqa: RUF012  # create_app copies it
    # A staff session that has seen no request for this long ends; the next page asks for a
    # new login. Tracked as a time in the signed session cookie, so a page view writes nothing.
    STAFF_IDLE_MINUTES = 60
    # Behind a reverse proxy, how many proxies set X-Forwarded-For/-Proto (0: none).
    PROXY_FIX = 0

    # Remembers which surveys this browser has answered, to catch a second answer from one phone.
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 31
