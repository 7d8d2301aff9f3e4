"""Text from the data is plain text: the one escaping helper of the dashboard.

Campaign, channel, account, department, user and stage names, and any other string read from the
warehouse, reach the page in two kinds of places, and both parse markup:

* the HTML of the page (text and attribute values), and
* plotly strings (trace names, category labels, hover templates, annotations, titles, menu
  labels): plotly.js renders a subset of HTML in them, including live ``<a href>`` links.

`escape` makes a value inert in both: `html.escape(..., quote=True)`, with the double quote spelled
``&#34;`` rather than ``&quot;`` because plotly.js decodes the numeric entities and ``&lt;``,
``&gt;``, ``&amp;`` but not ``&quot;``. What it returns is a `Markup`, which `escape` leaves alone,
so a label escaped once (Labels return Markup) is not escaped twice when it is put into the page.
Markup written in code (``<br>``, ``<extra>``, ``<b>``) is joined to escaped values, never to raw
ones.

The figures' JSON inside ``<script>`` is written by plotly (`plotly.io.to_json_plotly`), which
escapes ``<``, ``>`` and ``/`` (and U+2028/U+2029), so even a ``</script>`` that was not escaped
here could not close the script element. The page embeds no other data in a script.
"""

from __future__ import annotations

import html
import textwrap


class Markup(str):
    """A string that is safe to put into HTML and plotly text as it is: escaped data plus code.

    Only a marker: concatenating it gives a plain str again (safe when the other part is code).
    """

    __slots__ = ()


def escape(value: object) -> Markup:
    """`value` as plain text for HTML (text or attribute) and plotly strings; Markup is kept."""
    if isinstance(value, Markup):
        return value
    text = "" if value is None else str(value)
    return Markup(html.escape(text, quote=True).replace("&quot;", "&#34;"))


def plain(value: object) -> str:
    """The plain text behind `value` (Markup is unescaped), e.g. to measure or wrap it."""
    return html.unescape(value) if isinstance(value, Markup) else ("" if value is None else str(value))


def wrap(value: object, width: int, break_long_words: bool = True) -> Markup:
    """Break plain text into escaped lines joined by plotly's <br> (never splits an entity)."""
    text = plain(value)
    lines = textwrap.wrap(text, width=width, break_long_words=break_long_words) or [text]
    return Markup("<br>".join(escape(line) for line in lines))
