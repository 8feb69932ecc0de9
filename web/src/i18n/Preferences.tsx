import { useState } from 'react';
import { type Language, useSetLanguage, useT } from '.';
import { setTheme, storedTheme, type ThemeChoice } from './theme';

/** The top bar's language and theme switches (kept in localStorage). */
export function Preferences() {
  const t = useT();
  const setLanguage = useSetLanguage();
  const [theme, setThemeState] = useState<ThemeChoice>(storedTheme);
  return (
    <span className="preferences">
      <select
        aria-label={t('Language')}
        value={t.language}
        onChange={(event) => setLanguage(event.currentTarget.value as Language)}
      >
        <option value="en" lang="en">
          English
        </option>
        <option value="ru" lang="ru">
          Русский
        </option>
      </select>
      <select
        aria-label={t('Theme')}
        value={theme}
        onChange={(event) => {
          const choice = event.currentTarget.value as ThemeChoice;
          setTheme(choice);
          setThemeState(choice);
        }}
      >
        <option value="system">{t('System')}</option>
        <option value="light">{t('Light')}</option>
        <option value="dark">{t('Dark')}</option>
      </select>
    </span>
  );
}
