/** Usernames: letters, digits, dot, dash, underscore; never "@", so a login string is unambiguous. */
export const USERNAME_PATTERN = '^[\\p{L}\\p{N}._-]{3,50}$';
const USERNAME = new RegExp(USERNAME_PATTERN, 'u');

/**
 * The form usernames are compared in (RFC 8265's UsernameCaseMapped profile, PRECIS): NFKC, which also maps
 * fullwidth and halfwidth forms to their ordinary ones (`ａｄｍｉｎ` → `admin`), then Unicode's toLowerCase()
 * (the case mapping RFC 8264 §9.3 names, which JavaScript's toLowerCase() is: `İstanbul` → `i̇stanbul`), then
 * NFKC again, as lower-casing can leave a string unnormalised. Computed here only, never by the database
 * (PostgreSQL's lower() follows the database's locale: under `C` it folds ASCII alone), and stored in
 * `users.username_normalized`, whose unique index decides "taken".
 */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/**
 * Scripts by their Unicode name (the `Script` property, as `\p{Script=…}` reads it). A name this Node
 * does not know is skipped; a letter of a script missing here counts as a script of its own, `Unknown`.
 */
const SCRIPT_NAMES = `
  Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali
  Beria_Erfe Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian
  Caucasian_Albanian Chakma Cham Cherokee Chorasmian Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic
  Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Garay
  Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Gurung_Khema Han Hangul
  Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inscriptional_Pahlavi
  Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script
  Khmer Khojki Khudawadi Kirat_Rai Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani
  Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui
  Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari
  Nandinagari New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Ol_Onal Old_Hungarian
  Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur
  Oriya Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic
  Samaritan Saurashtra Sharada Shavian Siddham Sidetic SignWriting Sinhala Sogdian Sora_Sompeng Soyombo
  Sundanese Sunuwar Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Tai_Yo Takri Tamil
  Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Todhri Tolong_Siki Toto Tulu_Tigalari
  Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square
`
  .trim()
  .split(/\s+/);

let scripts: [name: string, test: RegExp][] | undefined;

function scriptTests(): [string, RegExp][] {
  scripts ??= SCRIPT_NAMES.flatMap((name): [string, RegExp][] => {
    try {
      return [[name, new RegExp(`^\\p{Script=${name}}$`, 'u')]];
    } catch {
      return [];
    }
  });
  return scripts;
}

/** Characters of no script of their own (digits, `.`, `_`, `-`, combining marks): they go with any. */
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** The script of one character, undefined for a neutral one. */
export function scriptOf(char: string): string | undefined {
  if (NEUTRAL.test(char)) return undefined;
  return scriptTests().find(([, test]) => test.test(char))?.[0] ?? 'Unknown';
}

/** Writing systems that mix scripts by nature (UTS #39's Jpan, Kore, Hanb): each counts as one script. */
const MIXED_SYSTEMS: ReadonlySet<string>[] = [
  new Set(['Han', 'Hiragana', 'Katakana']),
  new Set(['Hangul', 'Han']),
  new Set(['Han', 'Bopomofo']),
];

/** The scripts a name's letters belong to, neutral characters left out. */
export function scriptsOf(name: string): Set<string> {
  const found = new Set<string>();
  for (const char of name) {
    const script = scriptOf(char);
    if (script) found.add(script);
  }
  return found;
}

/**
 * One script per name unless it is ASCII, so that a look-alike (`аdmin` with a Cyrillic а) cannot pose as
 * another account: Japanese and Korean names, which mix scripts by nature, count as one.
 */
export function isSingleScript(name: string): boolean {
  if (/^\p{ASCII}*$/u.test(name)) return true;
  const found = scriptsOf(name);
  if (found.size <= 1) return true;
  return MIXED_SYSTEMS.some((system) => [...found].every((script) => system.has(script)));
}

/** Keeps the characters of the script most of `name`'s letters use (and neutral ones); others become `_`. */
function inOneScript(name: string): string {
  if (isSingleScript(name)) return name;
  const chars = [...name].map((char) => ({ char, script: scriptOf(char) }));
  const counts = new Map<string, number>();
  for (const { script } of chars) if (script) counts.set(script, (counts.get(script) ?? 0) + 1);
  const [kept] = [...counts].reduce((best, next) => (next[1] > best[1] ? next : best));
  return chars.map(({ char, script }) => (script === undefined || script === kept ? char : '_')).join('');
}

/** `base` with a number appended, within the 50 characters a username may have (counted in characters). */
export function usernameWithSuffix(base: string, n: number): string {
  return `${[...base].slice(0, 40).join('')}${n}`;
}

/**
 * A username for an account we create ourselves (the bootstrap admin, a customer who writes in by email):
 * the address's local part in the compared form, cleaned to the allowed characters and one script, padded
 * to the minimum length. What it returns is a valid username that is its own normalised form.
 */
export function usernameFromEmail(email: string): string {
  const local = normalizeUsername(email.split('@')[0] ?? '');
  const cleaned = [...inOneScript(local.replace(/[^\p{L}\p{N}._-]+/gu, '_'))].slice(0, 40).join('');
  const name = [...cleaned].length >= 3 ? cleaned : `${cleaned}user`;
  const valid = USERNAME.test(name) && isSingleScript(name) && normalizeUsername(name) === name;
  return valid ? name : 'user';
}
