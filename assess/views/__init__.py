"""One blueprint per user-facing area; BLUEPRINTS is what create_app registers."""

from assess.views.admin import bp as admin_bp
from assess.views.audit import bp as audit_bp
from assess.views.auth import bp as auth_bp
from assess.views.cycles import bp as cycles_bp
from assess.views.evidence import bp as evidence_bp
from assess.views.inspection import bp as inspection_bp
from assess.views.main import bp as main_bp
from assess.views.nominations import bp as nominations_bp
from assess.views.reports import bp as reports_bp
from assess.views.selfreport import bp as selfreport_bp
from assess.views.units import bp as units_bp

BLUEPRINTS = [
    main_bp,
    auth_bp,
    units_bp,
    admin_bp,
    audit_bp,
    cycles_bp,
    selfreport_bp,
    inspection_bp,
    evidence_bp,
    nominations_bp,
    reports_bp,
]
