"""WTForms of the nomination round (十类典型评选). Shape is checked here; the rules (window,
weights summing to 100, conflicts) are in the domain modules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from assess.core.enums import NomineeKind
from assess.nominations.models import ScoreCriterion


# Choices as {value: label} built when the form is, so labels follow the user's language.
def nominee_kind_choices() -> dict[str, str]:
    return {
        NomineeKind.UNIT.value: str(_l("单位（集体）")),
        NomineeKind.PERSON.value: str(_l("个人")),
    }


def decision_choices() -> dict[str, str]:
    return {"1": str(_l("入选")), "0": str(_l("不入选"))}


class RoundForm(FlaskForm):
    year = IntegerField(_l("评选年度"), validators=[DataRequired(), NumberRange(2000, 2100)])
    title = StringField(_l("评选名称"), validators=[Optional(), Length(max=200)])
    window_opens = DateField(_l("提名开始日期"), validators=[DataRequired()])
    window_closes = DateField(_l("提名截止日期"), validators=[DataRequired()])
    # InputRequired, not DataRequired: 0 is typed, and is told it is too few, not missing.
    top_n = IntegerField(
        _l("表彰名额（前 N 名）"),
        default=30,
        validators=[
            InputRequired(),
            NumberRange(1, 10_000, message=_l("表彰名额应在 1 到 10000 之间")),
        ],
    )
    cap_per_category = IntegerField(
        _l("每类名额上限"), validators=[Optional(), NumberRange(1, 10_000)]
    )
    reviewers_per_nomination = IntegerField(
        _l("每个提名的评审人数"), default=5, validators=[DataRequired(), NumberRange(1, 100)]
    )
    min_reviews = IntegerField(
        _l("最少有效评审数"), default=5, validators=[DataRequired(), NumberRange(1, 100)]
    )
    normalise = BooleanField(_l("按评审人标准化评分（z 分数）"))


class CategoryRowForm(Form):
    id = HiddenField()
    name = StringField(_l("类别名称"), validators=[Optional(), Length(max=100)])
    nominee_kind = SelectField(_l("推荐对象"), choices=nominee_kind_choices)
    remove = BooleanField(_l("删除"))


class CategoriesForm(FlaskForm):
    rows = FieldList(FormField(CategoryRowForm))


class CriterionRowForm(Form):
    id = HiddenField()
    name = StringField(_l("评分项"), validators=[Optional(), Length(max=100)])
    guidance = StringField(_l("评分标准"), validators=[Optional(), Length(max=2000)])
    weight = DecimalField(_l("分值"), places=2, validators=[Optional()])
    remove = BooleanField(_l("删除"))


class CriteriaForm(FlaskForm):
    rows = FieldList(FormField(CriterionRowForm))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PanelForm(FlaskForm):
    reviewers = MultiCheckboxField(_l("评审专家"), coerce=int, choices=[])


class NominationForm(FlaskForm):
    category = SelectField(_l("评选类别"), coerce=int, choices=[])
    nominee_kind = RadioField(
        _l("推荐对象类型"), choices=nominee_kind_choices, default=NomineeKind.UNIT.value
    )
    nominee_name = StringField(
        _l("推荐对象名称（姓名）"), validators=[DataRequired(), Length(max=200)]
    )
    work_unit = StringField(_l("工作单位"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("职务"), validators=[Optional(), Length(max=100)])
    contact_person = StringField(_l("联系人"), validators=[DataRequired(), Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[DataRequired(), Length(max=50)])
    deeds = TextAreaField(
        _l("事迹材料"), validators=[DataRequired(), Length(max=20000)], render_kw={"rows": 12}
    )
    files = MultipleFileField(_l("佐证材料（PDF、图片、Word、Excel）"))


class EvidenceForm(FlaskForm):
    files = MultipleFileField(_l("佐证材料"))


class ActionForm(FlaskForm):
    """A button that only posts (with its CSRF token)."""


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("回避理由"), validators=[DataRequired(), Length(max=2000)])


class ReviewersForm(FlaskForm):
    reviewers = MultiCheckboxField(_l("评审人"), coerce=int, choices=[])


class RankForm(FlaskForm):
    top = IntegerField(
        _l("表彰名额（前 N 名）"),
        validators=[
            InputRequired(),
            NumberRange(1, 10_000, message=_l("表彰名额应在 1 到 10000 之间")),
        ],
    )
    cap_per_category = IntegerField(_l("每类名额上限"), validators=[Optional()])
    min_reviews = IntegerField(_l("最少有效评审数"), validators=[DataRequired()])
    normalise = BooleanField(_l("按评审人标准化评分（z 分数）"))


class DecisionForm(FlaskForm):
    selected = RadioField(
        _l("评审会决定"),
        choices=decision_choices,
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("表决情况"), validators=[DataRequired(), Length(max=2000)])


def review_form_class(criteria: list[ScoreCriterion]) -> type[FlaskForm]:
    """A score sheet form with ``points_<id>`` and ``comment_<id>`` per criterion; points
    are text so the domain gives the one message for a bad number."""

    class ReviewForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(
            ReviewForm,
            f"points_{criterion.id}",
            StringField(criterion.name, validators=[Optional(), Length(max=20)]),
        )
        setattr(
            ReviewForm,
            f"comment_{criterion.id}",
            TextAreaField(_l("评语"), validators=[Optional(), Length(max=5000)]),
        )
    return ReviewForm
