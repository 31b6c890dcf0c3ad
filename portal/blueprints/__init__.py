"""Feature blueprints, in registration order."""

from portal.blueprints.auth import bp as auth_bp
from portal.blueprints.main import bp as main_bp

BLUEPRINTS = [auth_bp, main_bp]
