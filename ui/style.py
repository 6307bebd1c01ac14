"""Look of the chat UI: a Gradio theme and CSS in a calm, Rijkshuisstijl-like style."""

from __future__ import annotations

import gradio as gr

BLUE = "#154273"  # donkerblauw
LINT = "#01689b"  # lintblauw, for links
AMBER = "#ffb612"  # donkergeel

FONT = ["RO Sans", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"]


def theme() -> gr.themes.Base:
    return gr.themes.Default(
        primary_hue=gr.themes.Color(c50="#e8eef5", c100="#d1dcea", c200="#a3b9d5", c300="#7596bf", c400="#4773aa",
                                    c500=BLUE, c600="#12395f", c700="#0f2f4f", c800="#0b243c", c900="#081a2b",
                                    c950="#05111c"),
        neutral_hue="slate",
        radius_size="sm",
        font=FONT,
        text_size=gr.themes.Size(xxs="11px", xs="12px", sm="14px", md="16px", lg="18px", xl="22px", xxl="26px"),
    ).set(
        body_background_fill="white",
        body_text_color="#1a1a1a",
        button_primary_background_fill=BLUE,
        button_primary_background_fill_hover="#0f2f4f",
        button_primary_text_color="white",
        link_text_color=LINT,
        block_title_text_weight="600",
    )


CSS = f"""
.gradio-container {{ max-width: 1320px !important; font-size: 16px; }}
/* clip instead of hide, so the letter's title can stick to the top of a phone screen
   (rules inside @media only reach elements within the app, hence here) */
.gradio-container {{ overflow-x: clip !important; overflow-y: visible !important; }}
footer {{ display: none !important; }}

/* header band */
.kb-header {{ background: {BLUE}; color: white; padding: 18px 24px 16px; margin: -8px -8px 8px; border-radius: 0; }}
.kb-header h1 {{ color: white; font-size: 24px; font-weight: 700; margin: 0 0 4px; letter-spacing: .2px; }}
.kb-header p {{ color: #dce6f0; margin: 0; font-size: 15px; }}
.kb-status {{ font-size: 14px; color: #555; margin: 0 0 4px; }}
.kb-status.kb-warn {{ color: #8a4b00; }}
.kb-note, .kb-note p {{ font-size: 14px !important; color: #555; margin: 0; }}

/* chat messages */
.kb-msg {{ font-size: 16px; line-height: 1.55; }}
.kb-answer a.kb-ref {{ color: {LINT}; font-weight: 700; text-decoration: none; padding: 0 1px; border-radius: 3px;
  cursor: pointer; white-space: nowrap; }}
.kb-answer a.kb-ref:hover, .kb-answer a.kb-ref:focus {{ background: #e8eef5; text-decoration: underline; }}
.kb-abstain {{ background: #fff4dc; border-left: 5px solid {AMBER}; padding: 10px 14px; border-radius: 4px;
  color: #3d2b00; }}
.kb-abstain-title {{ font-weight: 700; margin-bottom: 4px; }}
.kb-abstain-title::before {{ content: "⚠ "; }}
.kb-error {{ background: #fdecea; border-left: 5px solid #d52b1e; padding: 10px 14px; border-radius: 4px;
  color: #5a1410; }}
.kb-wait {{ color: #555; font-style: italic; }}
.kb-notice {{ background: #fff4dc; border-left: 4px solid {AMBER}; padding: 6px 10px; margin-bottom: 8px;
  border-radius: 4px; font-size: 14px; color: #3d2b00; }}

/* sources panel */
.kb-sources h2, .kb-letter h2 {{ font-size: 20px; color: {BLUE}; margin: 0 0 6px; font-weight: 700; }}
.kb-about {{ color: #555; font-size: 14px; margin: 0 0 8px; }}
.kb-scope {{ color: {BLUE}; font-weight: 600; }}
.kb-empty {{ color: #555; font-size: 15px; line-height: 1.5; }}
.kb-banner {{ background: #fff4dc; border-left: 5px solid {AMBER}; padding: 10px 14px; margin: 0 0 12px;
  border-radius: 4px; color: #3d2b00; font-size: 15px; line-height: 1.45; }}
.kb-card {{ border: 1px solid #cbd5e1; border-left: 4px solid {BLUE}; border-radius: 4px; padding: 12px 14px;
  margin: 0 0 12px; background: white; cursor: pointer; transition: box-shadow .15s, border-color .15s; }}
.kb-card:hover, .kb-card:focus {{ box-shadow: 0 2px 8px rgba(21,66,115,.18); border-color: {LINT};
  outline: none; }}
.kb-card:focus-visible {{ outline: 3px solid {AMBER}; outline-offset: 1px; }}
.kb-card.kb-active {{ background: #f3f6fa; }}
.kb-sources-abstain .kb-card {{ border-left-color: {AMBER}; }}
.kb-card-head, .kb-letter-head {{ display: flex; gap: 10px; align-items: flex-start; }}
.kb-num {{ flex: none; display: inline-flex; align-items: center; justify-content: center; min-width: 26px;
  height: 26px; border-radius: 13px; background: {BLUE}; color: white; font-weight: 700; font-size: 14px; }}
.kb-sources-abstain .kb-num {{ background: #8a6d00; }}
.kb-title {{ font-size: 16px !important; font-weight: 700; margin: 1px 0 2px !important; color: #1a1a1a;
  line-height: 1.35; }}
.kb-meta {{ font-size: 14px; color: #555; line-height: 1.4; }}
.kb-section {{ font-size: 14px; color: {BLUE}; font-weight: 600; margin: 8px 0 0; }}
.kb-kamervraag {{ font-size: 14px; font-style: italic; margin: 8px 0 0; padding-left: 8px;
                  border-left: 3px solid #bbb; }}
.kb-kamervraag span {{ font-style: normal; font-weight: 600; }}
.kb-passage {{ font-size: 15px; line-height: 1.55; color: #333; margin-top: 6px; }}
.kb-passage p {{ margin: 0 0 6px; }}
.kb-open {{ font-size: 14px; color: {LINT}; margin-top: 4px; }}
mark {{ background: #fde9a6; color: inherit; padding: 1px 0; border-radius: 2px;
  box-shadow: 0 0 0 1px #f3cf5a; }}

/* letter viewer */
.kb-letter {{ font-size: 16px; line-height: 1.6; }}
.kb-letter-head {{ position: sticky; top: 0; background: white; padding: 4px 0 10px; border-bottom: 1px solid #cbd5e1;
  margin-bottom: 10px; z-index: 1; }}
.kb-letter-id {{ flex: 1; }}
.kb-letter-head .kb-title {{ font-size: 18px !important; color: {BLUE}; }}
.kb-letter-body p {{ margin: 0 0 12px; }}
.kb-back {{ flex: none; font-size: 14px; color: {LINT}; background: white; border: 1px solid #cbd5e1;
  border-radius: 4px; padding: 3px 8px; cursor: pointer; }}
.kb-back:hover {{ background: #e8eef5; }}

/* wide screens: sources and letter scroll inside their panel, next to the chat */
@media (min-width: 721px) {{
  .kb-sources, .kb-letter {{ max-height: calc(60vh + 110px); overflow-y: auto; padding-right: 8px; }}
}}
#kb-ask {{ white-space: nowrap; }}
#kb-chat .placeholder {{ height: auto; flex-grow: 0; justify-content: flex-start; padding: 18px 20px 6px; }}
#kb-chat .placeholder p {{ font-size: 16px; color: #333; }}
#kb-chat button.example:hover {{ border-color: {LINT}; background: #f3f6fa; }}
#kb-chat button.example .example-text {{ font-size: 15px; color: #1a1a1a; }}
#kb-new {{ max-width: 180px; }}
#kb-status {{ margin-top: -6px; }}

/* narrow screens: everything stacks and the page scrolls; the letter's title stays in view while reading */
@media (max-width: 720px) {{
  .kb-header {{ padding: 14px 16px 12px; }}
  .kb-header h1 {{ font-size: 20px; }}
  #kb-chat .placeholder {{ padding: 12px 14px 2px; }}
  #kb-chat button.example {{ padding: 10px 12px; }}
  #kb-chat button.example:nth-of-type(n+5) {{ display: none; }}
  .kb-letter-head {{ padding-top: 8px; }}
  .kb-letter-head .kb-title {{ font-size: 16px !important; }}
  .kb-letter-head .kb-meta {{ font-size: 13px; }}
}}
"""
