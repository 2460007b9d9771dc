// A deterministic, varied set of test sentences for tokenizer and model parity tests:
// handwritten edge cases plus seeded random mixes (same list every run).
import { mulberry32 } from '../../../core/prng';

const HANDWRITTEN: readonly string[] = [
  '',
  ' ',
  '   \t\n  ',
  'a',
  'I',
  'Hello, world!',
  'The quick brown fox jumps over the lazy dog.',
  'i like strawberries',
  'UNAFFABLE unaffable Unaffable',
  "Don't stop believin' — it's 3:45 p.m. already?!",
  'e-mail: someone@example.com, url: https://example.org/a/b?c=d&e=f#g',
  'Prices rose 12.5% to $1,234.56 (approx. €1.100) in Q3 2024.',
  'Numbers: 0 1 2 3 42 1000000 3.14159 -7 +8 1e10 0x1F 2^10',
  'Résumé, naïve café, coöperate, señor, façade, Ångström, Øresund.',
  'ÀÉÎÕÜ àéîõü ÇçÑñ ŁłŚśŹźŻż ĞğİıŞş',
  'Straße und Maß, groß.',
  'Ελληνικά: ΟΔΥΣΣΕΥΣ και Σίσυφος.',
  'Русский текст: Привет, как дела?',
  'עברית ועוד: שלום עולם',
  'العربية: مرحبا بالعالم',
  'हिन्दी: नमस्ते दुनिया',
  '日本語のテキストです。東京タワー。',
  '中文句子：我爱自然语言处理。',
  '한국어 문장입니다. 안녕하세요!',
  'Mixed 中文and English混合text',
  'Emoji 😀 😃 😄 👍🏽 ❤️ 🇫🇷 👨‍👩‍👧‍👦 end',
  '🙂🙂🙂',
  'Math: ∑ x_i ≥ 0, ∫ f(x) dx ≈ π, √2 ≠ 1.41',
  'Symbols: © ® ™ § ¶ † ‡ • … ‰ ′ ″',
  'Quotes “double” ‘single’ «guillemets» „low“',
  'Dashes - – — ‒ ― and hyphen-ated-words',
  'Tabs\tand\nnewlines\r\nand  double  spaces',
  'Non\u00a0breaking\u2009thin\u3000ideographic space',
  'zero\u200bwidth\u200cnon\u200djoiner and soft\u00adhyphen',
  'control\u0000char\u0001acters\u007f here',
  'replacement \ufffd char and BOM \ufeff here',
  'combining e\u0301 a\u0308 n\u0303 (decomposed)',
  'ﬁnancial ﬂow oﬀice (ligatures)',
  'ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ １２３',
  'Ⅻ ⅻ ① ② ³ ½ ¼',
  'supercalifragilisticexpialidocious antidisestablishmentarianism',
  'pneumonoultramicroscopicsilicovolcanoconiosis',
  'a'.repeat(100),
  'b'.repeat(101),
  'x'.repeat(250) + ' short words after',
  '[CLS] literal special tokens [SEP] in [MASK] text [UNK] [PAD]',
  '[cls] lowercase brackets [sep]',
  '##s ## #hashtag ##tag',
  '<html><body class="x">Tag soup &amp; entities &lt;b&gt;</body></html>',
  'C:\\Users\\name\\file.txt /usr/local/bin/node ~/projects',
  'snake_case camelCase PascalCase kebab-case SCREAMING_CASE',
  'function f(x) { return x * 2; } // comment',
  'SELECT * FROM t WHERE a = 1 AND b <> 2;',
  '...!!!???,,,;;;:::',
  '«»‹›「」『』【】〔〕',
  '¿Qué tal? ¡Muy bien!',
  "L'homme qu'on appelle l'étranger.",
  'Dr. Smith vs. Mr. Jones, U.S.A., e.g., i.e., etc.',
  '@user #topic RT: check this out!!! http://t.co/abc',
  'A sentence with trailing spaces    ',
  '    leading spaces sentence',
  'ALL CAPS SENTENCE SHOUTING LOUDLY',
  'Ünïcödé ÜNÏCÖDÉ',
  'İstanbul ıi İI',
  'ΣΑΣ σας ΌΣΟΣ',
  'Tiếng Việt có dấu: Xin chào thế giới',
  'ภาษาไทย สวัสดี',
  'Ἀθῆναι ᾨδή',
  'Ǆ ǅ ǆ Ǉ ǈ ǉ',
  'private use \ue000\uf8ff end',
  'surrogate emoji at end 😀',
  '😀start',
];

const WORDS = [
  'the', 'model', 'embedding', 'vector', 'search', 'semantic', 'notebook', 'browser', 'dataset',
  'parquet', 'arrow', 'tokenizer', 'running', 'jumped', 'happily', 'unbelievable', 'preprocessing',
  'transformers', 'attention', 'normalization', 'GPU', 'WebGPU', 'JavaScript', 'TypeScript', 'ONNX',
  'café', 'naïve', 'über', 'jalapeño', 'Zürich', 'København', 'Łódź', 'München', 'São', 'Paulo',
  '東京', '北京', '上海', 'ソウル', '서울', 'Москва', 'Αθήνα', 'القاهرة', 'मुंबई',
  '2024', '3.14', '1,000', '42nd', 'COVID-19', 'x86_64', 'v1.2.3', 'A100', 'H100', '#1',
  'i\'m', 'won\'t', 'rock\'n\'roll', 'e-mail', 'co-operate', 'self-driving', 'state-of-the-art',
  '😀', '🚀', '👍🏽', '🇯🇵', '❤️', '✨', '★', '→', '©', '½',
];
const PUNCT = ['.', ',', '!', '?', ';', ':', '—', '-', '(', ')', '"', "'", '…', '/', '&', '%', '$', '€'];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\t', '\n', '\u00a0'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

/** Seeded random sentences of 1..maxWords words with punctuation and odd spacing mixed in. */
function randomSentences(count: number, seed: number, maxWords: number): string[] {
  const rand = mulberry32(seed);
  const out: string[] = [];
  for (let s = 0; s < count; s++) {
    const n = 1 + Math.floor(rand() * maxWords);
    let text = '';
    for (let w = 0; w < n; w++) {
      let word = pick(rand, WORDS);
      const r = rand();
      if (r < 0.15) word = word.toUpperCase();
      else if (r < 0.3) word = word[0].toUpperCase() + word.slice(1);
      text += word;
      if (rand() < 0.2) text += pick(rand, PUNCT);
      text += w === n - 1 ? '' : pick(rand, SPACES);
    }
    if (rand() < 0.5) text += pick(rand, PUNCT);
    out.push(text);
  }
  return out;
}

/** Long paragraphs: several exceed 512 tokens so truncation paths are exercised. */
function longTexts(): string[] {
  const base = randomSentences(60, 7, 30).join(' ');
  return [base.slice(0, 2000), base, base + ' ' + base, '中文'.repeat(400), '😀 '.repeat(700), 'word. '.repeat(600)];
}

/** ≥ 200 varied sentences, identical on every run. */
export function tokenizerFixtureSentences(): string[] {
  return [...HANDWRITTEN, ...randomSentences(140, 20240601, 25), ...longTexts()];
}

const PLAIN_WORDS = WORDS.filter((w) => /^[a-z0-9][a-z0-9.,'-]*$/i.test(w));

/** ASCII-only sentences with single spaces: text simple tokenizers (bert-tokenizer) handle faithfully. */
export function plainFixtureSentences(): string[] {
  const rand = mulberry32(424242);
  const out: string[] = [];
  for (let s = 0; s < 100; s++) {
    const n = 1 + Math.floor(rand() * 20);
    const words: string[] = [];
    for (let w = 0; w < n; w++) {
      let word = pick(rand, PLAIN_WORDS);
      if (rand() < 0.2) word = word.toUpperCase();
      if (rand() < 0.15) word += pick(rand, ['.', ',', '!', '?', ';', ':']);
      words.push(word);
    }
    out.push(words.join(' '));
  }
  return out;
}
