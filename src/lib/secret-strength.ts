/**
 * Is a configured secret (SECRET_KEY) plausibly random? Only its text can be judged, so this is an upper
 * bound on its entropy: length × log2(distinct characters), taken over its shortest repeating unit (a key
 * that repeats `changeme` holds no more than one `changeme`). A random key of 43 base64 characters
 * (`openssl rand -base64 32`) scores about 230 bits; `changeme` repeated to 32 characters about 22.
 */
export const MIN_SECRET_BITS = 128;

/** Words of the placeholders people leave in configuration files. */
const PLACEHOLDER =
  /change.?(?:me|this|it)|replace.?(?:me|this)|placeholder|example|your.?secret|secret.?key|not.?secure|insecure/i;

/** The length of the shortest unit whose repetition spells `chars` (KMP's failure function). */
function period(chars: string[]): number {
  const fail = new Array<number>(chars.length).fill(0);
  for (let i = 1, k = 0; i < chars.length; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = fail[k - 1] ?? 0;
    if (chars[i] === chars[k]) k++;
    fail[i] = k;
  }
  return chars.length - (fail[chars.length - 1] ?? 0);
}

/** At most how many bits of entropy `secret` can hold (see above). */
export function estimateSecretBits(secret: string): number {
  const chars = [...secret];
  const unit = chars.slice(0, period(chars));
  const distinct = new Set(unit).size;
  return distinct < 2 ? 0 : unit.length * Math.log2(distinct);
}

/** Why `secret` is not good enough to sign tokens with, or undefined when it is. */
export function secretKeyProblem(secret: string): string | undefined {
  const advice = 'use a random value such as the output of `openssl rand -base64 48`';
  if (PLACEHOLDER.test(secret)) return `looks like a placeholder; ${advice}`;
  const bits = estimateSecretBits(secret);
  if (bits < MIN_SECRET_BITS) {
    return `has too little entropy (at most ${Math.floor(bits)} bits, ${MIN_SECRET_BITS} needed); ${advice}`;
  }
  return undefined;
}
