"""A bare Flask app: the yardstick the portal's `GET /file` is compared with.

It renders, through Flask's own `render_template`, a form much like the portal's complaint
form: the same questions, about the same number of bytes, one random hidden field. It has no
CSRF token, no session cookie, no database, no rate limiter, no translations and no security
headers. Whatever rate it reaches on a machine is roughly the most any Flask page of that size
can reach there, so the portal's rate divided by this one says what the portal's own
machinery costs, whatever the machine.

Served by `filing.py` as `gunicorn 'bare_app:create_app()'` from this folder.
"""

from __future__ import annotations

import secrets

from flask import Flask, render_template
from jinja2 import DictLoader

# (name, label, hint, kind, choices); kind is "textarea", "text", "radio" or "select".
FIELDS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "narrative",
        "What happened?",
        "Tell it in your own words. Write as much or as little as you want. "
        "You do not need to give your name.",
        "textarea",
        [],
    ),
    (
        "kind",
        "What is it about?",
        "",
        "radio",
        [
            "Police misconduct",
            "Sexual misconduct or sexual pressure by an official",
            "Threats or pressure, for example to give information",
            "Bad treatment or poor service by a service provider",
            "The LEAD program itself",
            "Something else",
        ],
    ),
    ("when_text", "Roughly when?", "For example: last Tuesday night, or early March.", "text", []),
    ("where_text", "Roughly where?", "A street corner or a place is enough.", "text", []),
    (
        "actor_kind",
        "Who was it?",
        "",
        "radio",
        ["A police officer", "A prosecutor", "A case manager", "A service provider", "Not sure"],
    ),
    (
        "agency",
        "Which agency?",
        "",
        "select",
        [
            "Choose one (you can skip this)",
            "City police department",
            "County sheriff's office",
            "Prosecutor's office",
            "LEAD case management",
            "Housing provider",
            "Treatment provider",
            "I do not know",
        ],
    ),
    (
        "officer",
        "Name or badge number, if you know it",
        "Only if you feel safe giving it.",
        "text",
        [],
    ),
    (
        "wants",
        "What would you like to happen?",
        "For example: an apology, my things back, a different case manager.",
        "textarea",
        [],
    ),
    (
        "safe_now",
        "Are you safe right now?",
        "",
        "radio",
        ["Yes", "No", "I would rather not say"],
    ),
    (
        "assisted_by",
        "Is someone helping you fill this in?",
        "",
        "radio",
        ["No", "A peer advocate", "A friend or family member"],
    ),
    (
        "pseudonym",
        "A name we can call you",
        "Any name you like, not your real one.",
        "text",
        [],
    ),
    (
        "race",
        "Race or ethnicity",
        "",
        "select",
        [
            "Choose one (you can skip this)",
            "American Indian or Alaska Native",
            "Asian",
            "Black or African American",
            "Hispanic or Latino",
            "Native Hawaiian or Pacific Islander",
            "White",
            "More than one",
            "Another way",
        ],
    ),
    (
        "gender",
        "Gender",
        "",
        "select",
        [
            "Choose one (you can skip this)",
            "Woman",
            "Man",
            "Transgender woman",
            "Transgender man",
            "Non-binary",
            "Another way",
        ],
    ),
    (
        "age_band",
        "Age",
        "",
        "select",
        ["Choose one (you can skip this)", "Under 18", "18-25", "26-40", "41-60", "Over 60"],
    ),
]

FORM_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Community notes</title>
<link rel="stylesheet" href="/static/portal.css">
</head>
<body>
<header class="bar"><a class="brand" href="/">Community notes</a>
<form class="quick-exit" method="post" action="/exit">
  <button type="submit">Quick exit</button>
</form>
</header>
<main id="main">
<h1>Make a complaint</h1>
<p>Only the first question must be answered. Skip anything you do not want to say.</p>
<form method="post" action="/file" autocomplete="off" novalidate>
  <input id="form_token" name="form_token" type="hidden" value="{{ token }}">
{% for name, label, hint, kind, choices in fields %}
  {% if kind == "radio" %}
  <fieldset class="field" id="{{ name }}">
    <legend>{{ label }} <span class="optional">(optional)</span></legend>
    {% for choice in choices %}
    <div class="choice">
      <input id="{{ name }}-{{ loop.index0 }}" name="{{ name }}" type="radio"
        value="{{ loop.index0 }}"> <label for="{{ name }}-{{ loop.index0 }}">{{ choice }}</label>
    </div>
    {% endfor %}
  </fieldset>
  {% else %}
  <div class="field">
    <label for="{{ name }}">{{ label }} <span class="optional">(optional)</span></label>
    {% if hint %}<p class="hint" id="{{ name }}-hint">{{ hint }}</p>{% endif %}
    {% if kind == "textarea" %}
    <textarea aria-describedby="{{ name }}-hint" autocomplete="off" id="{{ name }}"
      maxlength="10000" name="{{ name }}" rows="8"></textarea>
    {% elif kind == "select" %}
    <select id="{{ name }}" name="{{ name }}">
      {% for choice in choices %}<option value="{{ loop.index0 }}">{{ choice }}</option>
      {% endfor %}
    </select>
    {% else %}
    <input aria-describedby="{{ name }}-hint" autocomplete="off" id="{{ name }}"
      maxlength="200" name="{{ name }}" type="text" value="">
    {% endif %}
  </div>
  {% endif %}
{% endfor %}
  <p>When you press Send, you will get a claim code. Write it down.
     It is the only way back to your complaint.</p>
  <button type="submit" class="button">Send</button>
</form>
</main>
<footer class="foot">
  <p>This site keeps no record of who you are: no name, no address, no phone number.</p>
</footer>
</body>
</html>
"""


def create_app() -> Flask:
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"form.html": FORM_TEMPLATE})

    @app.get("/file")
    def file_form() -> str:
        return render_template("form.html", fields=FIELDS, token=secrets.token_urlsafe(32))

    return app
