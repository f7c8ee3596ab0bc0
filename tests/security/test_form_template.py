"""One template renders every form field (templates/includes/field.html): help text is escaped
unless the code marked it safe."""

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


class Sample(forms.Form):
    plain = forms.CharField(help_text="<b>bold</b> & co")
    marked = forms.CharField(help_text=mark_safe("<ul><li>a rule</li></ul>"))


def test_plain_help_text_is_escaped_and_safe_help_text_is_kept():
    html = render_to_string("includes/form.html", {"form": Sample()})

    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert "<b>bold</b>" not in html
    assert "<ul><li>a rule</li></ul>" in html


def test_djangos_password_rules_still_show_as_a_list(client, django_user_model, db):
    member = django_user_model.objects.create_user(username="pw", password="an old secret 123")
    client.force_login(member)

    html = client.get("/accounts/password/change/").content.decode()

    assert "<ul><li>" in html and "&lt;ul&gt;" not in html
