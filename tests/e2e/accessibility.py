"""What every page must be, checked in the browser: axe-core's WCAG 2.1 A and AA rules, the page's frame
(lang, title, one h1, a skip link, a visible focus), 320 px without sideways scrolling, and helpers that
drive a page with the keyboard alone.

axe-core (MPL-2.0) comes bundled in the PyPI package `axe-playwright-python` (axe.min.js, 4.12 at the
time of writing); nothing of it is copied into this repository.
"""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NARROW = {"width": 320, "height": 640}

_axe = Axe()


def with_axe(context) -> None:  # type: ignore[no-untyped-def]
    """Load axe-core into every page of the context as it opens (once per context, not per check: faster)."""
    context.add_init_script(script=_axe.axe_script)


def serious_violations(page, contrast: bool = True) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.1 A/AA violations of serious or critical impact on the page as it stands, one line each.

    The colour-contrast rule is four fifths of axe's time; `contrast=False` leaves it out, for a page kind whose
    contrast was checked already (the colours come from one stylesheet and the page's template)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    if not contrast:
        options["rules"] = {"color-contrast": {"enabled": False}}
    violations = page.evaluate("options => axe.run(document, options).then(results => results.violations)", options)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
            for v in violations if v["impact"] in ("serious", "critical")]


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core on the page as it stands: no violation of serious or critical impact."""
    found = serious_violations(page)
    assert found == [], f"{page.url}\n" + "\n".join(found)


_FRAME = """() => {
  const problems = [];
  const lang = document.documentElement.getAttribute('lang') || '';
  if (!/^[a-z]{2}(-[A-Za-z]{2})?$/.test(lang)) problems.push(`lang is "${lang}"`);
  if (!document.title.trim()) problems.push('no title');
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])');
  const target = first && first.matches('a.skip-link[href^="#"]') && document.getElementById(first.getAttribute('href').slice(1));
  if (!target) problems.push('the first focusable element is not a skip link to an element of the page');
  for (const field of document.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')) {
    const named = field.labels && field.labels.length || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby');
    if (!named) problems.push(`a field without a label: ${field.outerHTML.slice(0, 120)}`);
  }
  return problems;
}"""

_FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing has the focus';
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0 || box.bottom < 0 || box.top > innerHeight) return `${el.outerHTML.slice(0, 80)} is not on screen`;
  return outline || ring ? '' : `${el.outerHTML.slice(0, 80)} shows no focus`;
}"""


def frame_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """lang, a title, one h1, a skip link first, labelled fields; then Tab: the skip link shows, with a visible focus."""
    problems: list[str] = page.evaluate(_FRAME)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.keyboard.press("Tab")
    if not page.evaluate("() => document.activeElement.matches('a.skip-link')"):
        problems.append("Tab does not reach the skip link first")
    shown = page.evaluate(_FOCUS_SHOWN)
    if shown:
        problems.append(shown)
    page.keyboard.press("Tab")  # the next control, a real one, must show its focus too
    shown = page.evaluate(_FOCUS_SHOWN)
    if shown:
        problems.append(shown)
    return problems


def narrow_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """At 320 px: the page (not a box inside it) must not be wider than the window, and a box that scrolls
    must be reachable with the keyboard (axe's scrollable-region-focusable, at this width)."""
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        wider = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        problems = [f"at 320 px the page scrolls sideways by {wider} px"] if wider > 0 else []
        violations = page.evaluate("() => axe.run(document, {runOnly: ['scrollable-region-focusable']})"
                                   ".then(results => results.violations)")
        return problems + [f"at 320 px {v['id']}: {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
                           for v in violations]
    finally:
        page.set_viewport_size(size)


def is_focused(locator) -> bool:  # type: ignore[no-untyped-def]
    return locator.evaluate("el => el === document.activeElement")


_BEHIND = """el => {
  const from = document.activeElement !== document.body ? document.activeElement
             : location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  return !!from && !!(from.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
}"""


def tab_to(page, locator, limit: int = 150) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until `locator` has the focus (it must be in the tab order, within `limit` presses); Shift+Tab
    when it is behind where the focus is (or where a link to #fragment put the reader), as a person would."""
    locator.wait_for()
    key = "Shift+Tab" if locator.evaluate(_BEHIND) else "Tab"
    for _ in range(limit):
        if is_focused(locator):
            return
        page.keyboard.press(key)
    raise AssertionError(f"Tab never reached {locator} ({limit} presses)")


def press(page, locator, key: str = "Enter") -> None:  # type: ignore[no-untyped-def]
    """Tab to the control and press a key on it (Enter follows a link or a button, Space ticks a box)."""
    tab_to(page, locator)
    page.keyboard.press(key)


def type_into(page, locator, text: str) -> None:  # type: ignore[no-untyped-def]
    """Tab to the field, empty it with the keyboard and type."""
    tab_to(page, locator)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def type_date(page, locator, day: str) -> None:  # type: ignore[no-untyped-def]
    """Type a date (YYYY-MM-DD) into a date field with the keyboard. Chromium orders the field's parts by its own
    locale (Debian's package carries en-US only: month/day/year), so try that order and then the Swedish one. Tab reaches the field; a retry starts again from its first part."""
    year, month, date = day.split("-")
    tab_to(page, locator)
    for digits in (month + date + year, year + month + date):
        locator.evaluate("el => { el.blur(); el.focus(); }")  # back to the field's first part
        page.keyboard.type(digits)
        if locator.input_value() == day:
            return
    raise AssertionError(f"{locator} did not take {day} from the keyboard: {locator.input_value()}")


def type_time(page, locator, time: str) -> None:  # type: ignore[no-untyped-def]
    """Type a time (HH:MM) into a time field with the keyboard: 24 hours, or 12 with AM/PM where Chromium's
    locale has that."""
    hours, minutes = int(time[:2]), time[3:]
    twelve = f"{(hours - 1) % 12 + 1:02d}{minutes}{'A' if hours < 12 else 'P'}"
    tab_to(page, locator)
    for keys in (twelve, time.replace(":", "")):
        locator.evaluate("el => { el.blur(); el.focus(); }")  # back to the field's first part
        page.keyboard.type(keys)
        if locator.input_value() == time:
            return
    raise AssertionError(f"{locator} did not take {time} from the keyboard: {locator.input_value()}")
