"""Extension objects, bound to an app by init_app and never connected at import."""

from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from smartcity.database import Database

db = Database()
limiter = Limiter(key_func=get_remote_address)
cors = CORS()
