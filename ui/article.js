// One article in the source dialog, the cited span scrolled to the middle of the view. The markup
// is built by rag.render.article_html, which escapes every piece of the article.
export default function (component) {
  const { data, parentElement } = component;
  const view = parentElement.querySelector(".dossier-article");
  view.innerHTML = data.html;
  const mark = view.querySelector("mark#cited");
  if (mark) view.scrollTop = Math.max(0, mark.offsetTop - (view.clientHeight - mark.offsetHeight) / 2);
}
