// An answer with citation chips: hover (or tap, on a touch screen) shows the quoted passage, a
// click opens it highlighted in its article (the "open" trigger, handled in app.py). Every string
// from the articles goes in with textContent: nothing in an article can become markup here.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".dossier-answer");
  root.replaceChildren();
  const touch = window.matchMedia("(hover: none)").matches;

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const closeAll = () => root.querySelectorAll(".cite.open").forEach((c) => c.classList.remove("open"));

  // Keep a card inside the window: it opens below its chip, shifted left if it would overflow.
  const place = (card) => {
    if (window.matchMedia("(max-width: 640px)").matches) return; // a bottom sheet there (answer.css)
    card.style.left = "0px";
    const box = card.getBoundingClientRect();
    const overflow = box.right - (window.innerWidth - 8);
    if (overflow > 0) card.style.left = `${-Math.min(overflow, box.left - 8)}px`;
  };

  const chip = (n) => {
    const info = data.citations[String(n)];
    const wrap = el("span", "cite");
    const button = el("button", "chip", String(n));
    button.type = "button";
    button.setAttribute("data-n", String(n));
    button.setAttribute("aria-label", `Source ${n}: ${info ? info.heading : ""}`);
    wrap.append(button);
    if (info) {
      const card = el("span", "card");
      card.setAttribute("role", "tooltip");
      card.append(el("span", "card-title", info.heading));
      if (info.meta) card.append(el("span", "card-meta", info.meta));
      card.append(el("span", "card-quote", info.quote));
      const open = el("button", "card-open", "Show in the article");
      open.type = "button";
      open.addEventListener("click", (e) => {
        e.stopPropagation();
        setTriggerValue("open", n);
      });
      card.append(open);
      wrap.append(card);
      wrap.addEventListener("mouseenter", () => place(card));
      button.addEventListener("focus", () => place(card));
    }
    button.addEventListener("click", () => {
      if (touch && !wrap.classList.contains("open")) {
        closeAll(); // the first tap shows the passage; "Show in the article" opens it
        wrap.classList.add("open");
        const card = wrap.querySelector(".card");
        if (card) place(card);
        return;
      }
      setTriggerValue("open", n);
    });
    return wrap;
  };

  const text = el("p", "text");
  data.claims.forEach((claim, i) => {
    if (i) text.append(" ");
    for (const [piece, strong] of claim.pieces) text.append(strong ? el("strong", "", piece) : piece);
    if (!claim.supported) {
      text.append(" ", el("span", "flag", "not supported by the articles"));
    }
    for (const n of claim.citations) text.append(" ", chip(n));
  });
  root.append(text);

  const tools = el("div", "tools");
  const copy = el("button", "copy", "Copy answer");
  copy.type = "button";
  copy.title = "Copy the answer and its sources as Markdown";
  const status = el("span", "status");
  status.setAttribute("aria-live", "polite");
  copy.addEventListener("click", async () => {
    let done = false;
    try {
      await navigator.clipboard.writeText(data.markdown);
      done = true;
    } catch (e) {
      // No clipboard API (a page served over plain http from another machine): the old way.
      const area = el("textarea");
      area.value = data.markdown;
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.append(area);
      area.select();
      done = document.execCommand("copy");
      area.remove();
    }
    status.textContent = done ? "Copied" : "Copy failed: select the text instead";
    setTimeout(() => (status.textContent = ""), 2500);
  });
  tools.append(copy, status);
  root.append(tools);

  const outside = (e) => {
    if (!root.contains(e.composedPath()[0])) closeAll();
  };
  document.addEventListener("click", outside, true);
  return () => document.removeEventListener("click", outside, true);
}
