// The one HTML shell of the e2e and bench pages: /page.html?name=parity runs ./parity.ts, which sets
// itself up on import (its window.* hook, then body[data-ready]). A new page is a new module here;
// pagePath (e2e/pages-build.ts) gives its URL.
const pages = import.meta.glob(['./*.ts', '!./page.ts']);

const name = new URLSearchParams(location.search).get('name') ?? '';
const load = pages[`./${name}.ts`];
if (load === undefined) {
  document.body.textContent = `Unknown page ${JSON.stringify(name)}: give ?name= one of ${Object.keys(pages).map((k) => k.slice(2, -3)).join(', ')}.`;
} else {
  document.title = `embedbook ${name}`;
  document.querySelector('h1')!.textContent = name;
  await load();
}
