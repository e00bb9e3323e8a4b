"""The unit form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from assess.core.labels import unit_kind_choices


class UnitForm(FlaskForm):
    code = StringField(_l("单位编码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("单位类型"), choices=unit_kind_choices)
    parent = SelectField(_l("上级单位"), coerce=int, choices=[])
    contact_person = StringField(_l("联系人"), validators=[Optional(), Length(max=50)])
    contact_title = StringField(_l("职务"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=50)])
    sort_order = IntegerField(_l("排序"), default=0, validators=[Optional()])
    active = BooleanField(_l("启用"), default=True)

    def unit_fields(self) -> dict[str, object]:
        """The typed fields as ``create_unit``/``update_unit`` take them (parent aside): blank
        contact fields as "", a blank sort order as 0."""
        return {
            "code": self.code.data,
            "name": self.name.data,
            "kind": self.kind.data,
            "contact_person": self.contact_person.data or "",
            "contact_title": self.contact_title.data or "",
            "contact_phone": self.contact_phone.data or "",
            "sort_order": self.sort_order.data or 0,
            "active": self.active.data,
        }
