import { useEffect, useRef } from 'react';

/**
 * Single-key shortcuts (issue 14's Keyboard list). None fires while the user types in a field or while
 * Ctrl, Meta or Alt is held, so the browser's own shortcuts (Ctrl+R, Cmd+N, Alt+…) stay the browser's.
 */
export const SHORTCUTS: { keys: string; does: string }[] = [
  { keys: 'j', does: 'Next ticket in the list' },
  { keys: 'k', does: 'Previous ticket in the list' },
  { keys: 'Enter', does: 'Open the current ticket' },
  { keys: '/', does: 'Search' },
  { keys: 'r', does: 'Reply (on a ticket)' },
  { keys: 'n', does: 'Internal note (on a ticket)' },
  { keys: '?', does: 'Show the shortcuts' },
];

/** Whether a key press belongs to a field being typed in (inputs, text areas, selects, editable content). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
  }
  return target.getAttribute('role') === 'textbox' || target.getAttribute('role') === 'combobox';
}

/** A handler that returns `false` leaves the key to the browser (e.g. Enter on a focused link). */
export type ShortcutHandlers = Partial<Record<string, (event: KeyboardEvent) => boolean | undefined>>;

/** Calls `handlers[event.key]` on a key press outside fields, without modifiers, and not under a dialog. */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (isTyping(event.target)) return;
      if (document.querySelector('[role="dialog"], [role="alertdialog"], [role="listbox"]')) return;
      const handler = current.current[event.key];
      if (!handler) return;
      if (handler(event) !== false) event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}

/** The ticket page's keys: `r` focuses the reply box, `n` switches it to an internal note and focuses it. */
export function useTicketShortcuts(): void {
  useShortcuts({
    r: () => {
      replyBox()?.focus();
      return true;
    },
    n: () => {
      const internal = document.querySelector<HTMLInputElement>('.composer input[role="switch"]');
      if (internal && !internal.checked) internal.click();
      // The switch re-renders the composer: focus once React has committed.
      requestAnimationFrame(() => replyBox()?.focus());
      return true;
    },
  });
}

function replyBox(): HTMLTextAreaElement | null {
  return document.querySelector<HTMLTextAreaElement>('.composer textarea');
}
