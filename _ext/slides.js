// Starts a chapter's deck (_ext/slides.py): 1280 x 720, keyboard navigation, speaker
// notes on S; the maths of the page is typeset by KaTeX, served with the deck.
/* global Reveal, RevealNotes, renderMathInElement */
if (typeof renderMathInElement === "function") {
  renderMathInElement(document.body, {
    delimiters: [
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$$", right: "$$", display: true },
    ],
    throwOnError: false,
  });
}
Reveal.initialize({
  width: 1280,
  height: 720,
  margin: 0.04,
  center: false,
  hash: true,
  controls: true,
  progress: true,
  slideNumber: "c/t",
  transition: "none",
  plugins: [RevealNotes],
});
