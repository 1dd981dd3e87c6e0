"""A small Block Kit renderer for screenshots: the layout rules Slack's clients follow, as HTML.

What it keeps faithful, because the screenshot tests judge it: a section's accessory sits beside its
text (so text beside an image is narrower), fields are two columns, ``` blocks are full-width and
wrap only where they must, inline `code` is a chip, buttons in an actions block wrap onto new rows,
and the message column is the viewport less Slack's avatar gutter.
"""

from __future__ import annotations

import html
import re
from typing import Any

Block = dict[str, Any]

CSS = """
body { margin: 0; font: 15px/1.46668 -apple-system, 'Segoe UI', Lato, Arial, sans-serif; color: #1d1c1d; }
.message { display: flex; padding: 8px 16px 8px 8px; }
.avatar { flex: 0 0 36px; height: 36px; border-radius: 4px; background: #4a154b; margin-right: 8px; }
.column { flex: 1 1 auto; min-width: 0; }
.sender { font-weight: 900; }
.block { margin: 4px 0; }
.section { display: flex; gap: 12px; align-items: flex-start; }
.section .text { flex: 1 1 auto; min-width: 0; overflow-wrap: break-word; }
.accessory { flex: 0 0 auto; }
.accessory img { width: 88px; height: 88px; border-radius: 8px; object-fit: cover; background: #ddd; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; }
.header { font-size: 18px; font-weight: 900; }
.context { font-size: 12px; color: #616061; }
.divider { border-top: 1px solid #ddd; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
button, .select { font: inherit; font-size: 14px; font-weight: 700; border: 1px solid #bbb; border-radius: 4px;
  background: #fff; padding: 3px 12px; min-height: 28px; max-width: 100%; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.select { font-weight: 400; display: inline-block; }
.input label { display: block; font-weight: 700; }
.input .field { border: 1px solid #bbb; border-radius: 4px; padding: 6px 8px; color: #616061; }
code { font: 12px Monaco, Menlo, Consolas, monospace; color: #e01e5a; background: #f8f8f8;
  border: 1px solid #ddd; border-radius: 3px; padding: 2px 3px; overflow-wrap: anywhere; }
pre { font: 12px/1.5 Monaco, Menlo, Consolas, monospace; background: #f8f8f8; border: 1px solid #ddd;
  border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def page(blocks: list[Block], title: str) -> str:
    body = "".join(_block(b) for b in blocks)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width, "
        f"initial-scale=1'><style>{CSS}</style></head>"
        f"<body><div class='message'><div class='avatar'></div><div class='column'>"
        f"<div class='sender'>Voucherbot</div>{body}</div></div></body></html>"
    )


def _block(block: Block) -> str:
    kind = block["type"]
    if kind == "section":
        return _section(block)
    if kind == "header":
        return f"<div class='block header'>{html.escape(block['text']['text'])}</div>"
    if kind == "context":
        texts = " ".join(_text(e) for e in block["elements"])
        return f"<div class='block context'>{texts}</div>"
    if kind == "divider":
        return "<div class='block divider'></div>"
    if kind == "actions":
        return f"<div class='block actions'>{''.join(_element(e) for e in block['elements'])}</div>"
    if kind == "input":
        label = html.escape(block["label"]["text"])
        element = block["element"]
        shown = element.get("initial_value") or element.get("placeholder", {}).get("text", "")
        return f"<div class='block input'><label>{label}</label><div class='field'>{html.escape(shown)}</div></div>"
    if kind == "image":
        return (
            f"<div class='block'><img src='' alt='{html.escape(block.get('alt_text', ''))}'></div>"
        )
    raise AssertionError(f"the screenshot renderer does not know {kind!r} blocks")


def _section(block: Block) -> str:
    parts = []
    if "text" in block:
        parts.append(f"<div class='text'>{_text(block['text'])}</div>")
    if "fields" in block:
        fields = "".join(f"<div>{_text(f)}</div>" for f in block["fields"])
        parts.append(f"<div class='text fields'>{fields}</div>")
    if block.get("accessory"):
        parts.append(f"<div class='accessory'>{_element(block['accessory'])}</div>")
    return f"<div class='block section'>{''.join(parts)}</div>"


def _element(element: Block) -> str:
    kind = element["type"]
    if kind == "image":
        return f"<img src='' alt='{html.escape(element.get('alt_text', ''))}'>"
    if kind == "button":
        style = " primary" if element.get("style") == "primary" else ""
        return f"<button class='{style.strip()}'>{html.escape(element['text']['text'])}</button>"
    if kind in ("static_select", "external_select"):
        chosen = (
            (element.get("initial_option") or {}).get("text")
            or element.get("placeholder")
            or {"text": ""}
        )
        return f"<span class='select'>{html.escape(chosen['text'])} ▾</span>"
    raise AssertionError(f"the screenshot renderer does not know {kind!r} elements")


def _text(text: Block) -> str:
    if text["type"] == "plain_text":
        return html.escape(text["text"])
    return mrkdwn(text["text"])


def mrkdwn(source: str) -> str:
    """Slack's mrkdwn, the parts we use: ``` blocks, `code`, *bold*, > quotes, line breaks,
    :emoji:."""
    # Slack writes a <!date^…|fallback> token as a date in the reader's time zone: the fallback
    # stands in.
    source = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", source)
    # Our texts escape a person's &, < and >; what is left unescaped is ours (a quote's >, a
    # <placeholder>).
    source = re.sub(r"&(?!(amp|lt|gt);)", "&amp;", source).replace("<", "&lt;").replace(">", "&gt;")
    out = []
    for i, chunk in enumerate(source.split("```")):
        if i % 2:
            out.append(f"<pre>{chunk}</pre>")  # already escaped by the renderer (&amp; &lt; &gt;)
        else:
            out.append(_inline(chunk))
    return "".join(out)


def _inline(text: str) -> str:
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r":[a-z_]+:", "•", text)
    lines = [
        f"<span class='quote'>{line[1:]}</span>" if line.startswith("&gt;") else line
        for line in text.split("\n")
    ]
    return "<br>".join(lines)
