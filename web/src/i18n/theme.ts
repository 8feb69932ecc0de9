/**
 * Light and dark themes: CSS custom properties in styles.css keyed on <html data-theme>. "system" follows
 * prefers-color-scheme. main.tsx applies the stored choice before the first render (the CSP forbids an
 * inline script in index.html).
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
const THEME_KEY = 'service-desk.theme';

export function storedTheme(): ThemeChoice {
  try {
    const stored = localStorage.getItem(THEME_KEY);
    if (stored === 'light' || stored === 'dark') return stored;
  } catch {
    // Storage may be unavailable.
  }
  return 'system';
}

function resolved(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(choice: ThemeChoice = storedTheme()): void {
  const root = document.documentElement;
  root.dataset.theme = resolved(choice);
  root.dataset.themeChoice = choice;
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch {
    // Not kept, but applied for this page.
  }
  applyTheme(choice);
}

/** Follows the system's scheme while the choice is "system". */
export function watchSystemTheme(): void {
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (storedTheme() === 'system') applyTheme('system');
  });
}
