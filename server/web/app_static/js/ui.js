// Small DOM helpers shared by the screens: one heading per screen, labelled fields with their error beside.

let uid = 0;

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Empty the screen and start it with its heading (focused, so a screen reader reads the new screen). */
export function screen(title, intro) {
  const main = document.getElementById("screen");
  main.replaceChildren();
  main.append(el("h2", { id: "screen-title", tabindex: "-1", text: title }));
  if (intro) main.append(el("p", { class: "intro", text: intro }));
  focusHeading();
  return main;
}

export function focusHeading() {
  document.getElementById("screen-title")?.focus();
}

/** A labelled input appended to ``container``; ``show(text)`` puts an error beside it, ``clear()`` takes it away. */
export function field(container, label, attrs, value) {
  const id = `f-${++uid}`;
  const error = el("p", { class: "error", id: `${id}-error`, hidden: true });
  const input = el("input", { id, "aria-describedby": error.id, ...attrs });
  if (value) input.value = value;
  const box = el("div", { class: "field" }, el("label", { for: id, text: label }), input, error);
  container.append(box);
  return {
    box,
    input,
    show(text) {
      error.textContent = text;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    },
    clear() {
      error.hidden = true;
      error.textContent = "";
      input.removeAttribute("aria-invalid");
    },
  };
}

/** A message area for errors that belong to no field (the network, the server). */
export function formError(container) {
  const node = el("p", { class: "error", role: "alert", hidden: true });
  container.append(node);
  return {
    show(text) {
      node.textContent = text;
      node.hidden = false;
    },
    clear() {
      node.hidden = true;
      node.textContent = "";
    },
  };
}

/** A refusal that says what happened (first line, as an error) and then what to do meanwhile (plain text),
 * scrolled into view: on a phone it comes below the form. */
export function refusalBox(container) {
  const node = el("div", { class: "refusal", role: "alert", hidden: true });
  container.append(node);
  return {
    show(cause, meanwhile) {
      node.replaceChildren(el("p", { class: "error", text: cause }), el("p", { text: meanwhile }));
      node.hidden = false;
      node.scrollIntoView?.({ block: "nearest" });
    },
    clear() {
      node.hidden = true;
      node.replaceChildren();
    },
  };
}

export function button(text, onClick, cls = "") {
  const b = el("button", { type: "button", class: cls, text });
  b.addEventListener("click", onClick);
  return b;
}
