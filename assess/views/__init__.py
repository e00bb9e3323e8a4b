"""One blueprint per user-facing area; BLUEPRINTS is what create_app registers."""

from assess.views.admin import bp as admin_bp
from assess.views.auth import bp as auth_bp
from assess.views.main import bp as main_bp
from assess.views.units import bp as units_bp

BLUEPRINTS = [main_bp, auth_bp, units_bp, admin_bp]
