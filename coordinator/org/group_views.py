"""The district's school groups (and BUS groups) in the register: list, add, change; never deleted."""
from __future__ import annotations



from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired

from coordinator.auth.permissions import Action
from coordinator.auth.routes import KEEP_DISTRICT, READ_DISTRICT, permission
from coordinator.clock import utcnow
from coordinator.org import services
from coordinator.org.admin import _district, _may_edit, _save
from coordinator.org.forms import MultiCheckboxField, _RecordForm, _length, _strip
from coordinator.org.groups import GROUP_NAME_LENGTH, GroupValues, find_group, groups_of, save_group
from coordinator.org.models import GroupKind, SchoolGroup
from coordinator.web import db

bp = Blueprint("org_groups", __name__)


class GroupForm(_RecordForm):
    name = StringField(_l("Namn"), filters=[_strip],
                       validators=[InputRequired(message=_l("Ange gruppens namn.")), _length(GROUP_NAME_LENGTH)])
    is_bus = BooleanField(_l("BUS-grupp"), description=_l(
        "Barn och unga i samverkan: gruppens möten tar upp enskilda ärenden bara med vårdnadshavarnas samtycke."))
    school_ids = MultiCheckboxField(_l("Skolor"), coerce=int, validate_choice=False)

    @classmethod
    def of(cls, group: SchoolGroup) -> GroupForm:
        return cls(data={"name": group.name, "is_bus": group.is_bus, "school_ids": [s.id for s in group.schools]})

    def values(self) -> GroupValues:
        return GroupValues(self.name.data or "", GroupKind.BUS if self.is_bus.data else GroupKind.GENERAL,
                           tuple(self.school_ids.data or ()))


@bp.get("/districts/<code>/groups")
@permission(READ_DISTRICT)
def groups(code: str) -> str:
    district, user = _district(code, Action.VIEW)
    return render_template("org/admin/groups.html", district=district, groups=groups_of(db(), district),
                           may_edit=_may_edit(user, district))


@bp.route("/districts/<code>/groups/new", methods=["GET", "POST"])
@bp.route("/districts/<code>/groups/<int:group_id>", methods=["GET", "POST"])
@permission(READ_DISTRICT, post=KEEP_DISTRICT)
def group(code: str, group_id: int | None = None) -> str | Response:
    district, user = _district(code, Action.VIEW if request.method == "GET" else Action.EDIT)
    session = db()
    record = find_group(session, district, group_id) if group_id is not None else None
    if group_id is not None and record is None:
        abort(404)
    form = GroupForm.of(record) if record is not None and request.method == "GET" else GroupForm()
    form.school_ids.choices = [(s.id, s.name) for s in services.schools_of(session, district) if s.is_active]
    if request.method == "POST" and form.validate():
        saved, found = _save(form, lambda session: save_group(session, district, form.values(), group=record,
                                                              actor=user.email, now=utcnow()))
        if saved:
            flash(gettext("Gruppen %(name)s är sparad.", name=found.name), "success")
            return redirect(url_for(".groups", code=district.code))
    return render_template("org/admin/group.html", district=district, form=form, group=record,
                           may_edit=_may_edit(user, district),
                           title=record.name if record is not None else gettext("Ny grupp av skolor"))


