import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { I18nProvider } from 'react-aria-components';
import { en, type MessageKey } from './en';

/**
 * The console's two languages. The catalogues are plain typed objects (ru.ts is typed by en.ts's keys, so a
 * missing translation fails the type check); the language follows the browser until the operator picks one
 * in the top bar, which is kept in localStorage.
 */
export type Language = 'en' | 'ru';
const LANGUAGE_KEY = 'service-desk.language';
type Catalogue = Record<MessageKey, string>;
/** English is in the inbox's first chunk; Russian is its own chunk, fetched when it is the language. */
const catalogues: Partial<Record<Language, Catalogue>> = { en };
async function loadCatalogue(language: Language): Promise<void> {
  if (language === 'ru' && !catalogues.ru) catalogues.ru = (await import('./ru')).ru;
}
export const LOCALES: Record<Language, string> = { en: 'en-US', ru: 'ru-RU' };

export function detectLanguage(): Language {
  try {
    const stored = localStorage.getItem(LANGUAGE_KEY);
    if (stored === 'en' || stored === 'ru') return stored;
  } catch {
    // Storage may be unavailable: follow the browser.
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  return preferred[0]?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export type Params = Record<string, string | number>;
export type Translate = ((key: MessageKey, params?: Params) => string) & {
  /** A count with its plural form: key_one / key_few / key_many / key_other, chosen by Intl.PluralRules. */
  plural: (key: PluralBase, count: number, params?: Params) => string;
  /** A string that may be a catalogue key (fixed option labels) or data (a group's name): translated if known. */
  text: (value: string) => string;
  /** A date and time in the chosen language. */
  date: (value: string | Date) => string;
  language: Language;
};
type PluralBase = MessageKey extends infer K ? (K extends `${infer B}_one` ? B : never) : never;

function makeTranslate(language: Language): Translate {
  const catalogue = catalogues[language] ?? en;
  const rules = new Intl.PluralRules(LOCALES[language]);
  const dates = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium', timeStyle: 'short' });
  const t = ((key: MessageKey, params?: Params) => {
    const text = catalogue[key] ?? en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole)) : text;
  }) as Translate;
  t.plural = (base, count, params) => {
    const form = rules.select(count);
    const key = `${base}_${form === 'zero' || form === 'two' ? 'other' : form}` as MessageKey;
    return t(key in catalogue ? key : (`${base}_other` as MessageKey), { count, ...params });
  };
  t.text = (value) => (value in catalogue ? catalogue[value as MessageKey] : value);
  t.date = (value) => dates.format(typeof value === 'string' ? new Date(value) : value);
  t.language = language;
  return t;
}

const LanguageContext = createContext<{ t: Translate; setLanguage: (language: Language) => void }>({
  t: makeTranslate('en'),
  setLanguage: () => undefined,
});

export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(detectLanguage);
  // Bumped when a catalogue arrives (or fails to: English is used then), to render again.
  const [arrivals, setArrivals] = useState(0);
  useEffect(() => {
    if (catalogues[language]) return;
    let live = true;
    loadCatalogue(language)
      .catch(() => undefined)
      .finally(() => live && setArrivals((count) => count + 1));
    return () => {
      live = false;
    };
  }, [language]);
  const ready = Boolean(catalogues[language]);
  const t = useMemo(() => makeTranslate(ready ? language : 'en'), [language, ready]);
  useEffect(() => {
    document.documentElement.lang = ready ? language : 'en';
  }, [language, ready]);
  // Only the very first paint waits for a lazy catalogue (rather than flashing English); a later switch keeps
  // the page, in the old words, until the new ones arrive.
  const firstPaint = useRef(!ready);
  if (ready || arrivals > 0) firstPaint.current = false;
  const setLanguage = useCallback((next: Language) => {
    try {
      localStorage.setItem(LANGUAGE_KEY, next);
    } catch {
      // Not kept, but still switched for this page.
    }
    setLanguageState(next);
  }, []);
  const value = useMemo(() => ({ t, setLanguage }), [t, setLanguage]);
  // The first paint in Russian waits for its catalogue (one small chunk) rather than flashing English.
  if (firstPaint.current) return null;
  return (
    <LanguageContext.Provider value={value}>
      <I18nProvider locale={LOCALES[language]}>{children}</I18nProvider>
    </LanguageContext.Provider>
  );
}

export function useT(): Translate {
  return useContext(LanguageContext).t;
}

export function useSetLanguage(): (language: Language) => void {
  return useContext(LanguageContext).setLanguage;
}

export type { MessageKey };
