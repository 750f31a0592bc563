"""Presentation mode: prepared slides for a projector, opened by link (``/presentatie?slide=kiel``),
with the explore filters of the URL, arrow keys and big buttons, and no tiles (works offline)."""

from __future__ import annotations

import streamlit as st

from solidarity.council import deck, slide_content, slide_index
from solidarity.i18n import _, format_number
from solidarity.safety import md
from ui import council, resources
from ui.exports import report_downloads
from ui.presentation import presentation_style

presentation_style()
catalog = resources.catalog()
geo = council.geography()
slides = deck(catalog)
shown = council.SLIDES.load()
index = slide_index(slides, shown.slide)
slide = slides[index]
council.SLIDES.publish(shown)
state = shown.filters
view = council.view(state)
content = slide_content(slide, view)

with st.container(horizontal=True, vertical_alignment="center", key="sm_slide_bar"):
    st.markdown(
        "**" + md(view.filters) + "**",
        help=_("The filters come from the link; change them on the map or the figures page."),
    )
    st.markdown(
        _("Slide {number} of {total}").format(number=format_number(index + 1), total=format_number(len(slides))),
        width="content",
    )
    # No icon: the key hint Streamlit draws for the shortcut (the arrow key) is the arrow.
    with st.container(horizontal=True, horizontal_alignment="right", gap="small", key="sm_slide_nav", width="content"):
        st.button(
            _("Previous"), shortcut="Left", disabled=index == 0, type="secondary",
            on_click=council.go_to, args=(slides[max(index - 1, 0)].id,), key="slide_prev",
        )
        st.button(
            _("Next"), shortcut="Right", disabled=index == len(slides) - 1,
            type="primary", on_click=council.go_to, args=(slides[min(index + 1, len(slides) - 1)].id,), key="slide_next",
        )
st.title(md(content.title))
text_col, chart_col = st.columns([2, 3], gap="large")
with text_col:
    if content.empty:
        st.info(_("No initiative matches these filters."), icon=":material/search_off:")
    for sentence in content.sentences:
        st.markdown(md(sentence))
    if content.note:
        st.caption(md(content.note))
with chart_col:
    if content.chart is not None:
        st.altair_chart(content.chart, width="stretch")
st.caption(md(content.source + " · " + view.attribution().text()))

with st.expander(_("Slides and downloads"), icon=":material/list:"):
    council.slide_picker(slides)
    report_downloads(view, "slides", {slide.id: (content.title, content.chart)} if content.chart is not None else {})
