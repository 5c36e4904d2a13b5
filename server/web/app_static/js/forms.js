// One home diary as a form, built from the instrument's items the server sends (config.diaries[*].items), and
// checked with the JSON Schema the server sends for it (the same rules the server runs, from shared/). Errors
// are shown beside their field in the participant's language.

import { Validator } from "../vendor/cfworker-json-schema-4.1.6/index.js";
import { local, t } from "./i18n.js";
import { el } from "./ui.js";

let uid = 0;
const next = (stem) => `${stem}-${++uid}`;

/** The items asked of a participant taking ``drugIds`` (shared.instruments.Instrument.items_for). */
export function itemsFor(diary, drugIds) {
  return diary.items.filter((it) => !it.tags || it.tags.length === 0 || it.tags.some((d) => drugIds.has(d)));
}

/** A field box: the control(s), and the place its error is shown (tied to it with aria-describedby). */
function fieldBox(pointer) {
  const box = el("div", { class: "field", "data-pointer": pointer });
  const error = el("p", { class: "error", id: next("err"), hidden: true });
  box.errorNode = error;
  return box;
}

function radioGroup(pointer, legend, options, chosen) {
  const box = fieldBox(pointer);
  const name = next("choice");
  const set = el("fieldset", { "aria-describedby": box.errorNode.id }, el("legend", { text: legend }));
  for (const [value, label] of options) {
    const id = next("opt");
    const input = el("input", { type: "radio", name, id, value: JSON.stringify(value) });
    if (chosen !== undefined && JSON.stringify(chosen) === JSON.stringify(value)) input.checked = true;
    set.append(el("div", { class: "option" }, input, el("label", { for: id, text: label })));
  }
  box.append(set, box.errorNode);
  box.read = () => {
    const hit = set.querySelector("input:checked");
    return hit ? JSON.parse(hit.value) : undefined;
  };
  box.onChange = (fn) => set.addEventListener("change", fn);
  return box;
}

function inputField(pointer, label, attrs, value, parse) {
  const box = fieldBox(pointer);
  const id = next("in");
  const input = el("input", { id, "aria-describedby": box.errorNode.id, ...attrs });
  if (value !== undefined && value !== null) input.value = String(value);
  box.append(el("label", { for: id, text: label }), input, box.errorNode);
  box.read = () => (input.value.trim() === "" ? undefined : parse(input.value.trim()));
  box.onChange = (fn) => input.addEventListener("input", fn);
  return box;
}

const yesNo = () => [[true, t("yes")], [false, t("no")]];

/** One item's control(s); ``read()`` gives the answer (undefined: not answered). */
function itemField(item, pointer, value, drugs) {
  const label = local(item.label);
  const choices = (item.choices || []).map((c) => [c.code, local(c.label)]);
  switch (item.response) {
    case "boolean":
      return radioGroup(pointer, label, yesNo(), value);
    case "choice":
      return radioGroup(pointer, label, choices, value);
    case "integer":
    case "vas_mm":
    case "number":
      return inputField(pointer, label, { type: "number", inputmode: item.response === "number" ? "decimal" : "numeric",
        min: item.minimum, max: item.maximum, step: item.response === "number" ? "any" : "1" }, value,
      (v) => (Number.isFinite(Number(v)) ? Number(v) : v));
    case "text":
      return inputField(pointer, label, { type: "text", maxlength: item.max_length }, value, (v) => v);
    case "drug_doses":
      return drugDoses(item, pointer, value || {}, drugs, choices);
    default:
      return inputField(pointer, label, { type: "text" }, value, (v) => v);
  }
}

/** ``drug_doses`` (shared/home_dosing.py): per drug of the arm, taken or not, the time, or why not. */
function drugDoses(item, pointer, value, drugs, reasons) {
  const box = el("div", { class: "drug-doses", "data-pointer": pointer });
  // the question is asked once per drug (the drug's heading names it, the section is labelled with it)
  const parts = [];
  for (const drug of drugs) {
    const at = `${pointer}/${drug.id}`;
    const entry = value[drug.id] || {};
    const section = el("section", { class: "drug", "aria-label": local(drug.name) },
      el("h3", { text: local(drug.name) }));
    const taken = radioGroup(`${at}/taken`, local(item.label), yesNo(), entry.taken);
    const time = inputField(`${at}/time_taken`, t("time_taken"), { type: "time", step: "60" }, entry.time_taken,
      (v) => v.slice(0, 5));
    const reason = radioGroup(`${at}/missed_reason`, t("missed_reason"), reasons, entry.missed_reason);
    const show = () => {
      const v = taken.read();
      time.hidden = v !== true;
      reason.hidden = v !== false;
    };
    taken.onChange(show);
    show();
    section.append(taken, time, reason);
    box.append(section);
    parts.push([drug.id, taken, time, reason]);
  }
  box.read = () => {
    const out = {};
    for (const [id, taken, time, reason] of parts) {
      const v = taken.read();
      if (v === true) out[id] = { taken: true, ...(time.read() !== undefined && { time_taken: time.read() }) };
      else if (v === false) out[id] = { taken: false, ...(reason.read() !== undefined && { missed_reason: reason.read() }) };
      else out[id] = {};
    }
    return out;
  };
  box.onChange = () => {};
  return box;
}

/** A diary's form in ``container``: its answers (with diary_date) by ``read()``, ``check()`` its errors. */
export function diaryForm(container, { diary, drugs, answers = {}, date, minDate, maxDate, correcting }) {
  const drugIds = new Set(drugs.map((d) => d.id));
  const form = el("div", { class: "diary-form" });
  const fields = [];
  const dateField = inputField("/diary_date", t("diary_date"), { type: "date", min: minDate, max: maxDate,
    required: true }, answers.diary_date ?? date, (v) => v);
  if (correcting || diary.schedule === "daily") dateField.querySelector("input").readOnly = !!correcting;
  form.append(dateField);
  const items = itemsFor(diary, drugIds);
  for (const item of items) {
    const field = itemField(item, `/${item.id}`, answers[item.id], drugs);
    fields.push([item, field]);
    form.append(field);
  }
  let reasonField = null;
  if (correcting) {
    reasonField = inputField("/correction_reason", t("correction_reason"), { type: "text", maxlength: 500 },
      undefined, (v) => v);
    form.append(reasonField);
  }
  const visible = () => {  // required_if: an item shown only when the item it depends on has one of the values
    const now = Object.fromEntries(fields.map(([it, f]) => [it.id, f.read()]));
    for (const [item, field] of fields) {
      if (item.required_if) field.hidden = !item.required_if.values.some((v) => v === now[item.required_if.item_id]);
    }
  };
  for (const [, field] of fields) field.onChange(visible);
  visible();
  container.append(form);

  const read = () => {
    const data = {};
    for (const [item, field] of fields) {
      if (field.hidden) continue;
      const v = field.read();
      if (v !== undefined) data[item.id] = v;
    }
    const day = dateField.read();
    if (day !== undefined) data.diary_date = day;
    return data;
  };
  const validator = new Validator(diary.schema, "2020-12", false);
  const check = (data) => {
    clearErrors(form);
    const found = new Map();
    if (reasonField && !reasonField.read()) found.set(reasonField, t("error_reason"));
    const rule = diary.at_least_one;   // "answer at least one of these so" (a symptom present): one message
    const ruleAt = (diary.schema.allOf || []).findIndex((s) => s.$comment === "at_least_one");
    const ofRule = (e) => ruleAt >= 0 && e.keywordLocation.startsWith(`#/allOf/${ruleAt}/`);
    if (rule && !rule.items.some((id) => data[id] === rule.value)) {
      const first = form.querySelector(`[data-pointer="/${rule.items[0]}"]`);
      if (first) found.set(first, local(rule.message));
    }
    for (const problem of closestBranch(validator.validate(data).errors.filter((e) => !ofRule(e)))) {
      const target = targetOf(form, problem);
      if (target && !found.has(target)) found.set(target, message(problem, target));
    }
    const bound = dateBound(data.diary_date, minDate, maxDate);   // the server's rule, with the config's dates
    if (bound && !found.has(dateField)) found.set(dateField, bound);
    for (const [target, text] of found) showError(target, text);
    const first = found.keys().next().value;
    first?.querySelector("input")?.focus();
    return found.size === 0;
  };
  return { read, check, reason: () => reasonField?.read(), showError: (pointer, text) => {
    const target = form.querySelector(`[data-pointer="${pointer}"]`) || dateField;
    showError(target, text);
  } };
}

/** The diary date's place in time (server rules home.diary_date_too_early / home.diary_date_future): on or after
 * the config's earliest_diary_date, on or before today at the site (and the last_diary_date, once set). */
function dateBound(day, minDate, maxDate) {
  if (typeof day !== "string" || day.length !== 10) return null;   // the schema names a missing or odd date
  if (minDate && day < minDate) return t("error_date_early", { min: minDate });
  if (maxDate && day > maxDate) return t("error_date_late", { max: maxDate });
  return null;
}

const BRANCH = /\/(oneOf|anyOf)\/(\d+)(?=\/|$)/g;

/** Of the alternatives of a oneOf/anyOf, only the errors of the one the answer came closest to (fewest errors):
 * "taken: yes" without a time should ask for the time, not also say "taken" must be "no". */
function closestBranch(errors) {
  const counts = new Map();  // "<schema path of the combinator>" -> Map(branch -> errors)
  const branchesOf = (e) => [...e.keywordLocation.matchAll(BRANCH)].map((m) => [e.keywordLocation.slice(0, m.index + m[1].length + 1), m[2]]);
  for (const e of errors) {
    for (const [group, branch] of branchesOf(e)) {
      const g = counts.get(group) ?? new Map();
      g.set(branch, (g.get(branch) ?? 0) + 1);
      counts.set(group, g);
    }
  }
  return errors.filter((e) => branchesOf(e).every(([group, branch]) => {
    const g = counts.get(group);
    return g.get(branch) === Math.min(...g.values());
  }));
}

const CONTAINER_KEYWORDS = new Set(["properties", "items", "allOf", "anyOf", "oneOf", "if", "then", "else",
  "$ref", "additionalProperties", "unevaluatedProperties", "dependentSchemas", "prefixItems", "not"]);

/** The field a schema error is about: the deepest shown field box whose pointer starts the error's place. */
function targetOf(form, problem) {
  if (CONTAINER_KEYWORDS.has(problem.keyword) && problem.keyword !== "additionalProperties") return null;
  let pointer = problem.instanceLocation.replace(/^#/, "");
  if (problem.keyword === "required") {
    const name = /"([^"]+)"/.exec(problem.error);
    if (name) pointer += `/${name[1]}`;
  }
  const boxes = [...form.querySelectorAll("[data-pointer]")].filter((b) => !b.closest("[hidden]"));
  let best = null;
  for (const box of boxes) {
    const p = box.dataset.pointer;
    if ((pointer === p || pointer.startsWith(`${p}/`)) && (!best || p.length > best.dataset.pointer.length)) best = box;
  }
  if (best && best.classList.contains("drug-doses")) {  // a drug's answer as a whole: ask for "taken"
    const drug = pointer.split("/")[2];
    return best.querySelector(`[data-pointer="${best.dataset.pointer}/${drug}/taken"]`) || best.querySelector(".field");
  }
  return best;
}

function message(problem, target) {
  const input = target.querySelector("input");
  switch (problem.keyword) {
    case "required":
    case "minProperties":
      return input?.type === "time" ? t("error_time") : t("error_required");
    case "enum":
    case "const":
      return target.querySelector("input[type=radio]") ? t("error_choice") : t("error_other", { detail: problem.error });
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return t("error_range", { min: input?.min ?? "", max: input?.max ?? "" });
    case "type":
      return input?.type === "number" ? t("error_whole") : t("error_required");
    case "pattern":
    case "format":
      if (input?.type === "time") return t("error_time");
      if (input?.type === "date") return t("error_date");
      return t("error_other", { detail: problem.error });
    case "maxLength":
      return t("error_text");
    case "multipleOf":
      return t("error_whole");
    default:
      return t("error_other", { detail: problem.error });
  }
}

function clearErrors(form) {
  for (const node of form.querySelectorAll(".error")) {
    node.hidden = true;
    node.textContent = "";
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function showError(box, text) {
  const node = box.errorNode || box.querySelector(".error");
  if (!node) return;
  node.textContent = text;
  node.hidden = false;
  for (const input of box.querySelectorAll("input")) input.setAttribute("aria-invalid", "true");
}
