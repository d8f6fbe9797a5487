// The few DOM helpers every feature uses, and the error and notice banners of the chat.

export const $ = (id) => document.getElementById(id);

export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text != null) el.textContent = text;
  return el;
}

let errorTimer = null;

export function showError(message) {
  const banner = $('error-banner');
  $('error-text').textContent = message;
  banner.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { banner.hidden = true; }, 8000);
}

export function hideError() {
  $('error-banner').hidden = true;
}

let infoTimer = null;

// Something the user should know that is not a failure ("You were removed from #lounge.").
export function showInfo(message) {
  const banner = $('info-banner');
  $('info-text').textContent = message;
  banner.hidden = false;
  clearTimeout(infoTimer);
  infoTimer = setTimeout(() => { banner.hidden = true; }, 10000);
}

export function hideInfo() {
  $('info-banner').hidden = true;
}

// Enter sends, Shift+Enter breaks the line (and an IME composition is left alone).
export function submitOnEnter(input, form) {
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}
