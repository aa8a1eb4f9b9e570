"""The coordinator: runs the meeting structure of school–social-services collaboration."""
from __future__ import annotations

from flask import Flask

from coordinator.config import PROJECT_ROOT, Settings
from coordinator.outbox.transports import transport_from_url


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app from settings (the environment's when none are given)."""
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(settings.instance_path),
        instance_relative_config=True,
    )
    app.config.update(SECRET_KEY=settings.secret_key)
    app.extensions["coordinator.settings"] = settings
    # a wrong COORDINATOR_MAIL_URL stops the start, not the first invitation weeks later
    app.extensions["coordinator.mail"] = transport_from_url(settings.mail_url)

    from coordinator import models, security, web  # noqa: F401  (models: every table mapped before the first request)
    from coordinator.auth import oidc
    from coordinator.auth.routes import ANYONE, permission
    from coordinator.agreements.views import bp as agreements_bp
    from coordinator.auth.user_views import bp as users_bp
    from coordinator.auth.views import bp as auth_bp
    from coordinator.cases.views import bp as cases_bp
    from coordinator.consultations.views import bp as consultations_bp
    from coordinator.visits.views import bp as visits_bp
    from coordinator.org.group_views import bp as org_groups_bp
    from coordinator.followup.report_views import bp as followup_report_bp
    from coordinator.followup.views import bp as followup_bp
    from coordinator.invitations.views import bp as invitations_bp
    from coordinator.minutes.register_views import bp as protocol_register_bp
    from coordinator.minutes.views import bp as minutes_bp
    from coordinator.org.admin import bp as org_admin_bp
    from coordinator.org.views import bp as org_bp
    from coordinator.outbox.views import bp as outbox_bp
    from coordinator.planning.views import bp as planning_bp
    from coordinator.terms.views import bp as terms_bp

    web.init_app(app)
    oidc.init_app(app, settings)
    app.register_blueprint(auth_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(org_admin_bp)
    app.register_blueprint(agreements_bp)
    app.register_blueprint(planning_bp)
    app.register_blueprint(terms_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(minutes_bp)
    app.register_blueprint(protocol_register_bp)
    app.register_blueprint(followup_report_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(org_groups_bp)
    permission(ANYONE)(app.view_functions["static"])  # the style sheet and scripts, before signing in too
    security.init_app(app, settings)  # after the blueprints: it limits some of their endpoints
    return app
