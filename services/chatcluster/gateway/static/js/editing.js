// Editing and deleting one's own messages, in place in the list.
import { api, roomPath } from './api.js';
import { retry } from './compose.js';
import { $, element, showError, submitOnEnter } from './dom.js';
import { stopEditing } from './message_view.js';
import { messageOf, regroup, upsertMessage } from './messages.js';

function button(type, className, text, testid) {
  const b = element('button', className, text);
  b.type = type;
  if (testid) b.dataset.testid = testid;
  return b;
}

function startEditing(el) {
  const id = el.dataset.messageId;
  const m = messageOf(id);
  if (!m || m.deleted || el.querySelector('.msg-editor')) return;
  const editor = element('form', 'msg-editor');
  const input = document.createElement('textarea');
  input.dataset.testid = 'edit-input';
  input.value = m.text;
  input.maxLength = 4000;
  input.rows = Math.min(6, m.text.split('\n').length + 1);
  const save = button('submit', 'btn btn-primary btn-small', 'Save', 'edit-save-button');
  const cancel = button('button', 'btn btn-link btn-small', 'Cancel');
  const row = element('div', 'editor-actions');
  row.append(save, cancel, element('span', 'hint', 'Enter to save · Esc to cancel'));
  editor.append(input, row);
  el.querySelector('.msg-line').hidden = true;
  el.querySelector('.msg-body').append(editor);
  el.classList.add('editing');
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  cancel.addEventListener('click', () => stopEditing(el));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') stopEditing(el);
  });
  submitOnEnter(input, editor);
  editor.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) {
      showError('A message cannot be empty; delete it instead.');
      return;
    }
    if (text === m.text) {
      stopEditing(el);
      return;
    }
    save.disabled = true;
    try {
      const updated = await api('PATCH', `${roomPath(m.room_id)}/messages/${id}`, { text });
      stopEditing(el);
      upsertMessage(updated);
    } catch (err) {
      showError(err.message);
      save.disabled = false;
    }
  });
}

// The first click asks "Really delete?" for four seconds; the second deletes.
async function deleteMessage(el, deleteButton) {
  const id = el.dataset.messageId;
  const m = messageOf(id);
  if (!m) return;
  if (deleteButton.dataset.confirm !== 'yes') {
    deleteButton.dataset.confirm = 'yes';
    deleteButton.textContent = 'Really delete?';
    setTimeout(() => {
      deleteButton.dataset.confirm = '';
      deleteButton.textContent = 'Delete';
    }, 4000);
    return;
  }
  deleteButton.disabled = true;
  try {
    upsertMessage(await api('DELETE', `${roomPath(m.room_id)}/messages/${id}`));
    regroup();
  } catch (err) {
    showError(err.message);
  } finally {
    deleteButton.disabled = false;
  }
}

export function wireEditing() {
  $('message-list').addEventListener('click', (e) => {
    const action = e.target.closest('button[data-action]');
    if (!action) return;
    const el = action.closest('li.msg');
    if (action.dataset.action === 'edit') startEditing(el);
    else if (action.dataset.action === 'delete') deleteMessage(el, action);
    else if (action.dataset.action === 'retry') retry(el.dataset.clientId);
  });
}
