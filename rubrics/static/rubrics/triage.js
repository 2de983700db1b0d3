/* Rubric triage: the posting beside its criteria.
   - Hovering, focusing or clicking a criterion card highlights its source in the posting
     and scrolls the posting panel to it; clicking a highlight finds its card.
   - "show in posting" links scroll the panel to the warning's text.
   - Selecting text in the posting fills the "Add as …" form with the selection's offsets
     in the posting's raw text. The panel is rendered as adjacent segments whose data-start
     gives their offset in that text (Python characters, i.e. code points), so an offset is
     a segment's start plus the code points before the boundary inside its text node. */
"use strict";
(function () {
    function codePoints(text) {
        // JavaScript strings count UTF-16 units; Python counts code points.
        let n = 0;
        for (const _ of text) n += 1;
        return n;
    }

    function offsetOf(panel, node, offset) {
        // A DOM boundary point inside the panel -> offset in the posting's raw text.
        if (node.nodeType === Node.TEXT_NODE) {
            const segment = node.parentElement && node.parentElement.closest("[data-start]");
            if (!segment || !panel.contains(segment)) return null;
            return Number(segment.dataset.start) + codePoints(node.data.slice(0, offset));
        }
        if (node !== panel && !panel.contains(node)) return null;
        if (offset < node.childNodes.length) return offsetOf(panel, node.childNodes[offset], 0);
        if (node === panel) return Number(panel.dataset.length);
        const segment = node.closest("[data-start]");
        return segment ? Number(segment.dataset.start) + codePoints(segment.textContent) : null;
    }

    function selectedSpan(panel) {
        const selection = window.getSelection();
        if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
        // The range is the selection's anchor and focus in document order (a selection made
        // backwards has its focus first); it is clipped to the panel.
        const range = selection.getRangeAt(0).cloneRange();
        const whole = document.createRange();
        whole.selectNodeContents(panel);
        if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) {
            range.setStart(whole.startContainer, whole.startOffset);
        }
        if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) {
            range.setEnd(whole.endContainer, whole.endOffset);
        }
        if (range.collapsed) return null;
        const start = offsetOf(panel, range.startContainer, range.startOffset);
        const end = offsetOf(panel, range.endContainer, range.endOffset);
        if (start === null || end === null || end <= start) return null;
        return { start: start, end: end, text: range.toString(), range: range };
    }

    function scrollPanelTo(panel, element) {
        const rect = panel.getBoundingClientRect();
        if (rect.top < 0 || rect.top > window.innerHeight) {
            panel.scrollIntoView({ block: "nearest" });
        }
        panel.scrollTo({ top: Math.max(0, element.offsetTop - panel.clientHeight / 3), behavior: "smooth" });
    }

    function flash(element) {
        element.classList.remove("flash");
        void element.offsetWidth; // restart the animation
        element.classList.add("flash");
    }

    function setUp() {
        const panel = document.getElementById("posting-text");
        if (!panel) return;
        const cards = Array.from(document.querySelectorAll(".criterion-card[data-criterion]"));

        function marksOf(id) {
            return Array.from(panel.querySelectorAll("mark[data-criterion]")).filter(
                (mark) => mark.dataset.criterion.split(" ").includes(id)
            );
        }

        function activate(card, scroll) {
            panel.querySelectorAll("mark.active").forEach((mark) => mark.classList.remove("active"));
            cards.forEach((other) => other.classList.toggle("active", other === card));
            const marks = marksOf(card.dataset.criterion);
            marks.forEach((mark) => mark.classList.add("active"));
            if (scroll && marks.length) scrollPanelTo(panel, marks[0]);
        }

        cards.forEach((card) => {
            card.addEventListener("mouseenter", () => activate(card, true));
            card.addEventListener("focusin", () => activate(card, true));
            card.addEventListener("click", (event) => {
                if (event.target.closest("button")) return;
                activate(card, true);
                marksOf(card.dataset.criterion).forEach(flash);
            });
        });

        panel.addEventListener("click", (event) => {
            const mark = event.target.closest("mark[data-criterion]");
            if (!mark || !window.getSelection().isCollapsed) return;
            const card = document.getElementById("criterion-card-" + mark.dataset.criterion.split(" ")[0]);
            if (card) {
                activate(card, false);
                card.scrollIntoView({ block: "nearest", behavior: "smooth" });
            }
        });

        document.querySelectorAll("a.show-in-posting").forEach((link) => {
            link.addEventListener("click", (event) => {
                const target = document.getElementById("posting-at-" + link.dataset.start);
                if (!target) return;
                event.preventDefault();
                scrollPanelTo(panel, target);
                flash(target);
            });
        });

        const form = document.getElementById("add-from-posting");
        if (!form) return;
        const preview = form.querySelector(".selection-preview");

        function place(range) {
            // Just below the selection's last line, or above its first when that would
            // leave the window; never wider than the posting's column.
            const holder = form.offsetParent || form.parentElement;
            const box = holder.getBoundingClientRect();
            const lines = range.getClientRects();
            const last = lines.length ? lines[lines.length - 1] : range.getBoundingClientRect();
            let top = last.bottom - box.top + 6;
            if (last.bottom + form.offsetHeight + 12 > window.innerHeight) {
                top = range.getBoundingClientRect().top - box.top - form.offsetHeight - 6;
            }
            const left = Math.max(0, Math.min(last.left - box.left, box.width - form.offsetWidth));
            form.style.top = top + "px";
            form.style.left = left + "px";
        }

        function update() {
            const span = selectedSpan(panel);
            if (!span) {
                form.hidden = true;
                return;
            }
            form.elements.start.value = span.start;
            form.elements.end.value = span.end;
            const words = span.text.replace(/\s+/g, " ").trim();
            preview.textContent = "“" + (words.length > 90 ? words.slice(0, 90) + "…" : words) + "”";
            form.hidden = false;
            place(span.range);
        }

        // Pressing a button must not clear the selection it is about to add.
        form.addEventListener("mousedown", (event) => event.preventDefault());
        document.addEventListener("selectionchange", update);
        panel.addEventListener("scroll", () => form.hidden || update(), { passive: true });
        window.addEventListener("scroll", () => form.hidden || update(), { passive: true });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUp);
    } else {
        setUp();
    }
})();
