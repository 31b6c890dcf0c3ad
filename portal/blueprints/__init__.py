"""Feature blueprints, in registration order."""

from portal.blueprints.auth import account_bp
from portal.blueprints.auth import bp as auth_bp
from portal.blueprints.beheer import bp as beheer_bp
from portal.blueprints.contracten import bp as contracten_bp
from portal.blueprints.declaraties import bp as declaraties_bp
from portal.blueprints.deelnemers import bp as deelnemers_bp
from portal.blueprints.inburgeraars import bp as inburgeraars_bp
from portal.blueprints.keten import bp as keten_bp
from portal.blueprints.kpi import bp as kpi_bp
from portal.blueprints.main import bp as main_bp
from portal.blueprints.meldingen import bp as meldingen_bp
from portal.blueprints.presentie import bp as presentie_bp
from portal.blueprints.regie import bp as regie_bp
from portal.blueprints.registraties import bp as registraties_bp
from portal.blueprints.uploads import bp as uploads_bp

BLUEPRINTS = [
    auth_bp, main_bp, inburgeraars_bp, deelnemers_bp, beheer_bp, meldingen_bp, registraties_bp, regie_bp,
    presentie_bp, uploads_bp, account_bp,
    contracten_bp, declaraties_bp, keten_bp, kpi_bp,
]
