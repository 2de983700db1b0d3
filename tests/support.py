"""What the admin tests share: reading a page as a browser would (the fields a form
would submit, hidden inputs, the cells of a table, read-only values, the messages shown)
and the admin's URLs for a model or an object."""

from html.parser import HTMLParser

from django.contrib.messages import get_messages
from django.urls import reverse

# --- Reading a page -------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The name/value pairs a browser would submit from one form of a page:
    inputs (checked boxes only), textareas and the selected options."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[list[str]] = []
        self._textarea: list[str] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        name = attrs.get("name")
        if not self.inside:
            return
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append([name, attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # HTML drops the newline that Django writes after <textarea>.
            self._textarea[1] = self._textarea[1].removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            self.fields.extend([self._select, v] for v in chosen)
            self._select = None


def form_data(response, form_id: str) -> dict:
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return {name: v[0] if len(v) == 1 else v for name, v in data.items()}


def readonly_value(response, name: str) -> str:
    """The rendered contents of a read-only field on a change page."""
    for fieldset in response.context["adminform"]:
        for line in fieldset:
            for field in line:
                if field.is_readonly and field.field["name"] == name:
                    return str(field.contents())
    raise AssertionError(f"No read-only field {name!r} on the page.")


def messages_of(response) -> list[tuple[str, str]]:
    """(level, text) of each message the page shows, in order."""
    return [(m.level_tag, str(m.message)) for m in get_messages(response.wsgi_request)]


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value", "")


def hidden_value(response, name: str) -> str:
    parser = _HiddenInputs()
    parser.feed(response.content.decode())
    return parser.values[name]


def table_rows(response, table_id: str) -> list[list[str]]:
    """The text of each body cell of one table on the page."""

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.inside = self.in_body = False
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.inside = dict(attrs).get("id") == table_id
            elif self.inside and tag == "tbody":
                self.in_body = True
            elif self.inside and self.in_body and tag == "tr":
                self.rows.append([])
            elif self.inside and self.in_body and tag == "td":
                self.cell = []

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

        def handle_endtag(self, tag):
            if tag == "td" and self.cell is not None:
                self.rows[-1].append(" ".join("".join(self.cell).split()))
                self.cell = None
            elif tag == "table":
                self.inside = self.in_body = False

    parser = Cells()
    parser.feed(response.content.decode())
    return parser.rows


# --- The admin's URLs -------------------------------------------------------------------


def _admin_name(model) -> str:
    """`admin:<app>_<model>` for a model class or an "app_label.modelname" label."""
    if isinstance(model, str):
        app_label, model_name = model.lower().split(".")
    else:
        app_label, model_name = model._meta.app_label, model._meta.model_name
    return f"admin:{app_label}_{model_name}"


def changelist_url(model) -> str:
    return reverse(f"{_admin_name(model)}_changelist")


def change_url(obj) -> str:
    return reverse(f"{_admin_name(type(obj))}_change", args=[obj.pk])


def delete_url(obj) -> str:
    return reverse(f"{_admin_name(type(obj))}_delete", args=[obj.pk])


def run_action(client, model, action: str, *objs):
    """Post the changelist's action form for `objs`, as the action bar would."""
    return client.post(
        changelist_url(model), {"action": action, "_selected_action": [o.pk for o in objs]}
    )
