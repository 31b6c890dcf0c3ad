"""Extensions, created unbound and initialised in the app factory."""

from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from portal.database import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
