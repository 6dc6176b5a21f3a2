"""The Send to HubSpot mapping form: one row per contact property, each with the table column
that fills it (guessed from the recipe's defaults, or "(not sent)"). Email is the id
property and comes from the action's email input, so it is not listed here."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Select, Static

from clay_tui.ui.plain import plain

# The contact properties offered, in form order (HubSpot's default property names).
PROPERTIES: dict[str, str] = {
    "firstname": "First name",
    "lastname": "Last name",
    "jobtitle": "Job title",
    "company": "Company name",
    "phone": "Phone number",
    "mobilephone": "Mobile phone number",
    "country": "Country/Region",
    "city": "City",
    "website": "Website URL",
    "industry": "Industry",
}


class CrmMapping(Vertical):
    """Property -> column rows; :meth:`mapping` gives the ``properties`` param."""

    DEFAULT_CSS = """
    CrmMapping { height: auto; }
    CrmMapping .row { height: 1; }
    CrmMapping .row Label { width: 36; }
    CrmMapping #crm-title { margin: 1 0 0 0; text-style: bold; }
    """

    def __init__(self, defaults: dict[str, str], columns: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.defaults, self.columns = dict(defaults), list(columns)

    def compose(self) -> ComposeResult:
        yield Static("HubSpot contact property  <- table column", id="crm-title", markup=False)
        options = [(plain(c), c) for c in self.columns]
        for prop, label in PROPERTIES.items():
            column = self.defaults.get(prop)
            yield Horizontal(
                Label(f"{label} ({prop})", markup=False),
                Select(
                    options,
                    id=f"crm-{prop}",
                    prompt="(not sent)",
                    value=column if column in self.columns else Select.NULL,
                    compact=True,
                ),
                classes="row",
            )

    def mapping(self) -> dict[str, str]:
        """The properties to send: property name -> column."""
        out: dict[str, str] = {}
        for prop in PROPERTIES:
            value = self.query_one(f"#crm-{prop}", Select).value
            if isinstance(value, str):
                out[prop] = value
        return out
