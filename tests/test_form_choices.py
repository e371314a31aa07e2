"""forms.choices: option lists as WTForms 3.3 wants them (SelectChoice objects), rendered as the tuples were."""
from wtforms import Form, SelectChoice, SelectField

from forms.choices import choices, values


def test_pairs_mappings_and_bare_values():
    assert choices([("a", "甲"), "乙"]) == [SelectChoice("a", "甲"), SelectChoice("乙", "乙")]
    assert choices({"a": "甲", "b": "乙"}) == [SelectChoice("a", "甲"), SelectChoice("b", "乙")]
    assert choices([(1, "一")], optgroup="组") == [SelectChoice(1, "一", optgroup="组")]
    assert values(choices([("a", "甲"), (2, "二")])) == {"a", 2}


def test_rendered_and_validated_as_the_tuples_were():
    class F(Form):
        plain = SelectField(choices=choices([("", "—"), ("a", "甲")]))
        grouped = SelectField(choices=choices([("", "—")], optgroup="不选择") + choices([("7", "七")], optgroup="组"))
        number = SelectField(coerce=int, choices=choices([(1, "一"), (2, "二")]))

    form = F(data={"plain": "a", "grouped": "7", "number": 2})
    assert form.plain() == '<select id="plain" name="plain"><option value="">—</option><option selected value="a">甲</option></select>'
    assert form.grouped() == ('<select id="grouped" name="grouped"><optgroup label="不选择"><option value="">—</option></optgroup>'
                              '<optgroup label="组"><option selected value="7">七</option></optgroup></select>')
    assert '<option selected value="2">二</option>' in form.number()
    assert form.validate()
    assert not F(data={"plain": "z", "grouped": "7", "number": 3}).validate()
