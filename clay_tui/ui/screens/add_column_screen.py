"""Add an enrichment column (`+`, or table menu > Add enrichment column…).

Two ways in: a TOML recipe file (``load_recipe`` + ``add_column`` for each column in
it), or a built-in action picked from ``list_actions`` (each shows its credit cost per
provider, or "free"), with its inputs mapped to table columns (guessed by name), an
optional "only run if" condition and the output column's name. A mistake (bad
expression, unknown column, missing file) is one sentence under the form; nothing is
added then. Dismisses with the names of the columns added, or None.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from clay_tui.errors import ClayError
from clay_tui.services import ai_columns
from clay_tui.services import enrich as enrich_service
from clay_tui.services.enrich import ColumnSpec
from clay_tui.ui.plain import plain, plain_lines
from clay_tui.ui.screens.draft_screen import DRAFT_KEY, ai_button, draft_into
from clay_tui.ui.widgets.crm_mapping import CrmMapping
from clay_tui.ui.widgets.inert_input import InertInput

if TYPE_CHECKING:
    from clay_tui.config import Settings
    from clay_tui.services.enrich import ActionInfo
    from clay_tui.table.lead_table import LeadTable
    from clay_tui.workspace import Workspace

# Names a column often has for an action input (besides the input's own name).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name", "firstname", "first name", "first", "given_name"),
    "last_name": ("last_name", "lastname", "last name", "last", "surname", "family_name"),
    "full_name": ("full_name", "fullname", "name", "full name"),
    "domain": ("company_domain", "domain", "website", "company_website", "url"),
    "company": ("company", "company_name", "organization", "account"),
    "email": ("email", "work_email", "email_address", "e-mail"),
    "linkedin_url": ("linkedin_url", "linkedin", "linkedin_profile"),
    "company_name": ("company_name", "company"),
    "company_website": ("company_website", "company_domain", "website", "domain"),
}
VALUE_GUESS = {"normalize_phone": "phone", "validate_email": "email", "normalize_domain": "domain"}


def guess_column(input_name: str, columns: list[str], action: str = "") -> str | None:
    """The table column an action input most likely reads, or None."""
    key = VALUE_GUESS.get(action, input_name) if input_name == "value" else input_name
    lowered = {c.lower().strip(): c for c in columns}
    for candidate in SYNONYMS.get(key, (key,)):
        if candidate in lowered:
            return lowered[candidate]
    for low, col in lowered.items():
        if key in low:
            return col
    return None


def cost_label(info: ActionInfo, settings: Settings) -> str:
    """What one row costs per provider ("prospeo 2, hunter 2, verify 1 credits/row") or "free"."""
    if info.free:
        return "free"
    parts = []
    for key, credits in info.step_costs(settings).items():
        provider, _, op = key.partition(".")
        name = "verify" if op == "email_verifier" and info.validation else provider
        parts.append(f"{name} {credits}" if credits else f"{name} free (own key)")
    costs = list(info.step_costs(settings).values())
    unit = "credit/row" if costs == [1] else "credits/row"
    return ", ".join(parts) + " " + unit


class AddColumnScreen(ModalScreen[list[str] | None]):
    DEFAULT_CSS = """
    AddColumnScreen { align: center middle; }
    AddColumnScreen > VerticalScroll { width: 96; max-width: 100%; height: auto; max-height: 95%;
                                       border: round $accent; background: $panel; padding: 0 1; }
    AddColumnScreen .row { height: auto; }
    AddColumnScreen .row > Label { width: 18; padding: 0 1 0 0; }
    AddColumnScreen .row > Input, AddColumnScreen .row > Select { width: 1fr; }
    AddColumnScreen #recipe-add { margin: 0 0 0 1; }
    AddColumnScreen #or { color: $text-muted; margin: 1 0; }
    AddColumnScreen #action-desc { color: $text-muted; margin: 0 0 1 0; }
    AddColumnScreen #action-inputs, AddColumnScreen #action-params { height: auto; }
    AddColumnScreen #action-params { margin: 0 0 1 0; }
    AddColumnScreen #add-error { color: $error; }
    AddColumnScreen #add-buttons { height: auto; margin: 1 0 0 0; }
    AddColumnScreen #add-buttons Button { margin: 0 2 0 0; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding(DRAFT_KEY, "draft", "Write with AI", show=False),
    ]

    def __init__(self, ws: Workspace, table: LeadTable, *, recipe: str = "") -> None:
        super().__init__()
        self.ws, self.table = ws, table
        self.actions = {a.slug: a for a in enrich_service.list_actions()}
        self.recipe_default = recipe
        self.action: ActionInfo | None = None

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        settings = self.ws.settings
        with VerticalScroll() as box:
            box.border_title = plain(f"Add enrichment column to {self.table.name}")
            box.border_subtitle = "Esc cancels"
            with Horizontal(classes="row"):
                yield Label("Recipe file")
                yield InertInput(
                    self.recipe_default,
                    id="recipe-path",
                    placeholder="path/to/recipe.toml",
                    compact=True,
                )
                yield Button("Add from recipe", id="recipe-add", compact=True)
            yield Static("— or build a column from an action —", id="or")
            options = [
                (f"{a.name} — {cost_label(a, settings)}", a.slug) for a in self.actions.values()
            ]
            with Horizontal(classes="row"):
                yield Label("Action")
                yield Select(options, id="action", prompt="Pick an action", compact=True)
            yield Static("", id="action-desc")
            yield Vertical(id="action-inputs")
            yield Vertical(id="action-params")
            with Horizontal(classes="row"):
                yield Label("Only run if")
                yield InertInput(
                    id="condition", placeholder="optional, e.g. email IS NULL", compact=True
                )
                yield ai_button("condition")
            with Horizontal(classes="row"):
                yield Label("Column name")
                yield InertInput(id="column-name", placeholder="the output column", compact=True)
            yield Static("", id="add-error")
            with Horizontal(id="add-buttons"):
                yield Button("Add column", id="add-go", variant="primary", compact=True)
                yield Button("Cancel", id="add-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#recipe-path" if self.recipe_default else "#action").focus()

    def on_key(self, event: events.Key) -> None:
        """Text typed on the closed, unpicked Action list is a recipe path: the list
        cannot take it, and it went nowhere (then Enter opened the list, not the recipe)."""
        action = self.query_one("#action", Select)
        if (
            self.focused is action
            and action.is_blank()
            and event.is_printable
            and event.character not in (None, " ")
        ):
            event.stop()
            event.prevent_default()
            field = self.query_one("#recipe-path", Input)
            field.select_on_focus = False  # else the focus selects this first character
            field.focus()
            field.insert_text_at_cursor(event.character)

    # ------------------------------------------------------------ the action's form
    @on(Select.Changed, "#action")
    async def _action_changed(self, event: Select.Changed) -> None:
        slug = event.value if isinstance(event.value, str) else None
        await self.show_action(slug)

    async def show_action(self, slug: str | None) -> None:
        """Rebuild the inputs and settings part of the form for one action."""
        self.action = info = self.actions.get(slug) if slug else None
        inputs = self.query_one("#action-inputs", Vertical)
        params = self.query_one("#action-params", Vertical)
        await inputs.remove_children()
        await params.remove_children()
        self.show_error(None)
        if info is None:
            self.query_one("#action-desc", Static).update("")
            return
        self.query_one("#action-desc", Static).update(
            f"{info.description} Fills: {', '.join(info.outputs)}."
        )
        columns = list(self.table.columns)
        options = [(plain(c), c) for c in columns]
        rows: list[Widget] = []
        for inp in info.inputs:
            guess = guess_column(inp.name, columns, info.slug)
            label = inp.name + (" *" if inp.required else "")
            rows.append(
                Horizontal(
                    Label(label),
                    Select(
                        options,
                        id=f"in-{inp.name}",
                        prompt=inp.help or "(not used)",
                        value=guess if guess is not None else Select.NULL,
                        compact=True,
                    ),
                    classes="row",
                )
            )
        await inputs.mount_all(rows)
        widgets: list[Widget] = []
        for key, default in info.params.items():
            if key == "properties" and isinstance(default, dict):  # Send to HubSpot's mapping
                widgets.append(CrmMapping(default, columns, id=f"param-{key}"))
            elif key == "fields" and info.kind == "ai":  # a structured answer: typed columns
                hint = "optional, e.g. qualified: bool, reason: text, segment: SMB|Mid|Large"
                field = Input(id="param-fields", placeholder=hint, compact=True)
                widgets.append(Horizontal(Label("fields"), field, classes="row"))
            elif isinstance(default, bool):
                widgets.append(
                    Checkbox(key.replace("_", " "), default, id=f"param-{key}", compact=True)
                )
            elif isinstance(default, (str, int)):
                hint = {
                    "prompt": "a {{column}} template",
                    "url": "https://…/{{column}}",
                    "expression": "Polars SQL, e.g. lower(company_domain)",
                    "json_path": "a path into the JSON answer, e.g. data.value",
                }.get(key, "")
                field = Input(str(default), id=f"param-{key}", placeholder=hint, compact=True)
                extra = [ai_button(f"param-{key}")] if info.slug == "formula" else []
                widgets.append(Horizontal(Label(key), field, *extra, classes="row"))
        await params.mount_all(widgets)
        name = self.query_one("#column-name", Input)
        if not name.value or name.value in {a.name for a in self.actions.values()}:
            name.value = self._free_name(info.name)

    def _free_name(self, base: str) -> str:
        taken = set(self.table.columns)
        name, n = base, 2
        while name in taken:
            name, n = f"{base} {n}", n + 1
        return name

    def spec(self) -> ColumnSpec:
        """The column the form describes (checked by ``add_column``, not here)."""
        info = self.action
        if info is None:
            raise ClayError("Pick an action, or give a recipe file.")
        inputs: dict[str, str] = {}
        for inp in info.inputs:
            value = self.query_one(f"#in-{inp.name}", Select).value
            if isinstance(value, str):
                inputs[inp.name] = value
        params: dict[str, Any] = {}
        for key, default in info.params.items():
            found = self.query(f"#param-{key}")
            if not found:
                continue
            widget = found.first()
            if isinstance(widget, CrmMapping):
                value: Any = widget.mapping()
            elif key == "fields" and isinstance(widget, Input):
                value = ai_columns.parse_fields(widget.value)
            elif isinstance(widget, Checkbox):
                value = widget.value
            elif isinstance(widget, Input):
                value = widget.value.strip()
                if isinstance(default, int):
                    try:
                        value = int(value)
                    except ValueError:
                        raise ClayError(f"{key} must be a whole number, not {value!r}.") from None
            else:
                continue
            if value != default:
                params[key] = value
        condition = self.query_one("#condition", Input).value.strip() or None
        name = self.query_one("#column-name", Input).value.strip()
        if not name:
            raise ClayError("Give the new column a name.")
        return ColumnSpec(
            name=name, action=info.slug, inputs=inputs, params=params, condition=condition
        )

    # ------------------------------------------------------------ answers
    def show_error(self, text: str | None) -> None:
        self.query_one("#add-error", Static).update(plain_lines(text or ""))

    @on(Button.Pressed, "#add-go")
    @on(Input.Submitted, "#condition, #column-name, #action-params Input")
    def _add(self) -> None:
        try:
            spec = enrich_service.add_column(self.ws, self.table, self.spec())
        except ClayError as exc:
            self.show_error(str(exc))
            return
        self.dismiss([spec.name])

    @on(Button.Pressed, "#recipe-add")
    @on(Input.Submitted, "#recipe-path")
    def _add_recipe(self) -> None:
        text = self.query_one("#recipe-path", Input).value.strip()
        if not text:
            self.show_error("Give the path of a recipe file (.toml).")
            return
        try:  # the whole recipe is checked first: a bad column adds none
            specs = enrich_service.load_recipe(Path(text).expanduser())
            added = [s.name for s in enrich_service.add_columns(self.ws, self.table, specs)]
        except ClayError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(added)

    @on(Button.Pressed, ".ai-draft")
    def _ai_pressed(self, event: Button.Pressed) -> None:
        self._draft((event.button.id or "").removeprefix("ai-"))

    def action_draft(self) -> None:
        focused = self.focused.id if self.focused is not None else None
        self._draft(focused if focused == "param-expression" else "condition")

    def _draft(self, field_id: str) -> None:
        """F3 / AI…: write the condition (or a formula's expression) with AI."""
        found = self.query(f"#{field_id}")
        if field_id and found:
            kind = "formula" if field_id == "param-expression" else "condition"
            draft_into(self, self.ws, self.table, found.first(Input), kind)

    @on(Button.Pressed, "#add-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)  # a recipe adds all its columns or none: nothing was added
