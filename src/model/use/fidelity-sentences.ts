// The fixed, deterministic sentence set for the default model's fidelity tests: hand-picked edge
// cases plus seeded random sentences, 240 in all. Same list on every run and every machine.

import { mulberry32 } from '../../core/prng';

const HAND_PICKED: readonly string[] = [
  '',
  ' ',
  '   ',
  '\t\n',
  'a',
  'I',
  '.',
  '?!',
  'Hello world.',
  'Hello, world!',
  'hello world',
  'HELLO WORLD',
  'The quick brown fox jumps over the lazy dog.',
  'How do I reset my password?',
  'What is the capital of France?',
  'Paris is the capital and most populous city of France.',
  'I love machine learning :)',
  'Contact us at support@example.com or call +1 (555) 010-9999.',
  'Visit https://example.org/path?query=1&x=2#frag for details.',
  'Version 3.14.159 was released on 2024-02-29 at 12:30.',
  'Price: $1,299.99 (20% off!)',
  '1234567890',
  '3.14159265358979323846',
  'e = mc^2; a² + b² = c²',
  '¿Dónde está la biblioteca?',
  'Ça va très bien, merci beaucoup.',
  'Müller, Groß & Söhne GmbH',
  'naïve café résumé coöperate',
  'Crème brûlée is a French dessert.',
  'Ångström and Øresund',
  'Привет, как дела?',
  'Γειά σου Κόσμε',
  'שלום עולם',
  'مرحبا بالعالم',
  'नमस्ते दुनिया',
  '你好，世界',
  '我喜欢学习自然语言处理。',
  'こんにちは世界',
  '東京は日本の首都です。',
  '안녕하세요 세계',
  'สวัสดีชาวโลก',
  'Emoji 🎉 party 🥳🥳🥳',
  '👍',
  '👨‍👩‍👧‍👦 family',
  '🇫🇷 flag and 🇯🇵 flag',
  'Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ １２３',
  'ﬁnance ﬂow (ligatures)',
  '①②③ circled numbers',
  'x\u00a0y non-breaking space',
  'ideographic\u3000space',
  'zero\u200bwidth space',
  'combining e\u0301 accent',
  'tabs\tbetween\twords',
  'line one\nline two\r\nline three',
  'multiple     spaces    inside',
  '  leading and trailing spaces  ',
  '"Quoted text," she said, \'with nested quotes\'.',
  '(parentheses) [brackets] {braces} <angles>',
  '#hashtag @mention $cashtag %percent ^caret &amp *star',
  '---',
  '...',
  '!!!???',
  ':-) :( :30 ://',
  '”5 ”5 ”5',
  'C++ and C# and F# are languages; so is Objective-C.',
  "Don't won't can't shouldn't y'all",
  'supercalifragilisticexpialidocious',
  'antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'ab'.repeat(40),
  'The the the the the the the the.',
  'A man, a plan, a canal: Panama.',
  'Colorless green ideas sleep furiously.',
  'I saw her duck.',
  'Time flies like an arrow; fruit flies like a banana.',
  'Buffalo buffalo Buffalo buffalo buffalo buffalo Buffalo buffalo.',
  'The cat sat on the mat.',
  'A cat was sitting on the mat.',
  'Stock markets fell sharply today.',
  'How can I improve my credit score?',
  'What steps raise a credit rating?',
  'The weather is lovely this afternoon.',
  'Quantum chromodynamics describes the strong interaction.',
  'SELECT * FROM users WHERE id = 42;',
  'function add(a, b) { return a + b; }',
  '<html><body><p>Hello</p></body></html>',
  '{"key": "value", "list": [1, 2, 3]}',
  'C:\\Program Files\\App\\app.exe',
  '/usr/local/bin/node --version',
  'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.',
  'Lorem ipsum dolor sit amet. '.repeat(12).trim(),
  'word '.repeat(127).trim(),
  'word '.repeat(128).trim(),
  'word '.repeat(129).trim(),
  'x '.repeat(300).trim(),
  'The history of the city spans two millennia. '.repeat(8).trim(),
  '数据'.repeat(60),
  '🎉'.repeat(50),
  'mixed 混合 text テキスト with العربية and हिन्दी',
  '\u0000 null char',
  'lone surrogate \ud800 here',
];

const WORDS: readonly string[] = (
  'the a an of to in on for with by from about into over after before under between without ' +
  'cat dog bird house car city country river mountain ocean computer phone book movie song game ' +
  'teacher student doctor engineer artist farmer child parent friend team company market price ' +
  'runs jumps reads writes builds finds loves hates sees hears makes takes gives keeps starts ' +
  'quickly slowly happily sadly rarely often never always today yesterday tomorrow ' +
  'big small red blue green old new young bright dark warm cold happy sad strange famous ' +
  'data model network learning language vector embedding search query result error value ' +
  'Paris London Tokyo Berlin Madrid Rome Cairo Lima Oslo Seoul 2023 42 7 100 3.5 1,000'
).split(' ');

const PUNCT: readonly string[] = ['.', '!', '?', ',', ';', ':', ' -', '...', ''];
const EXTRAS: readonly string[] = ['é', 'ñ', 'ü', 'ß', '中文', '日本', '🙂', '🚀', '™', '€', '°C', '½'];

/** Seeded, so the generated sentences never change. */
const rng = mulberry32;

function generated(count: number, seed: number): string[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    // Lengths skewed short with a long tail (1 … ~160 words).
    const len = 1 + Math.floor(rand() ** 3 * 160);
    const words: string[] = [];
    for (let w = 0; w < len; w++) {
      let word = pick(WORDS);
      if (rand() < 0.08) word = word + pick(EXTRAS);
      if (rand() < 0.1) word = word[0].toUpperCase() + word.slice(1);
      words.push(word + (rand() < 0.12 ? pick(PUNCT) : ''));
    }
    out.push(words.join(rand() < 0.05 ? '  ' : ' ') + pick(PUNCT));
  }
  return out;
}

/** 240 sentences: the hand-picked edge cases, then seeded random ones. */
export const FIDELITY_SENTENCES: readonly string[] = [...HAND_PICKED, ...generated(240 - HAND_PICKED.length, 20240229)];

/** Pairs for the semantic sanity test: [a, paraphrase of a, unrelated to a]. */
export const SEMANTIC_TRIPLES: readonly (readonly [string, string, string])[] = [
  ['How can I improve my credit score?', 'What steps raise a credit rating?', 'The cat sat on the mat.'],
  ['The cat sat on the mat.', 'A cat was sitting on the mat.', 'Stock markets fell sharply today.'],
  ['What is the capital of France?', 'Which city is the capital of France?', 'I like to play the guitar at night.'],
];
