import type { FieldProblem } from './discord-errors.js';
import { allowedMentionsProblems } from './discord-mentions.js';

/**
 * What Discord validates in message bodies, channel bodies and command definitions, reported as
 * the field problems of an Invalid Form Body answer.
 */

type Json = Record<string, unknown>;
type Path = Array<string | number>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function maxLength(problems: FieldProblem[], path: Path, value: unknown, max: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'string') {
    problems.push({ path, code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
    return 0;
  }
  if (value.length > max) problems.push({ path, code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` });
  return value.length;
}

function bounded(problems: FieldProblem[], path: Path, value: unknown, min: number, max: number): void {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    problems.push({ path, code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between ${min} and ${max} in length.` });
  }
}

export const EMBED_LIMITS = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, total: 6000, perMessage: 10 };

function embedProblems(problems: FieldProblem[], embeds: unknown): void {
  if (!Array.isArray(embeds)) return void problems.push({ path: ['embeds'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
  if (embeds.length > EMBED_LIMITS.perMessage) problems.push({ path: ['embeds'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${EMBED_LIMITS.perMessage} or fewer in length.` });
  let total = 0;
  embeds.forEach((embed, i) => {
    if (!isObject(embed)) return void problems.push({ path: ['embeds', i], code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' });
    total += maxLength(problems, ['embeds', i, 'title'], embed.title, EMBED_LIMITS.title);
    total += maxLength(problems, ['embeds', i, 'description'], embed.description, EMBED_LIMITS.description);
    if (isObject(embed.footer)) total += maxLength(problems, ['embeds', i, 'footer', 'text'], embed.footer.text, EMBED_LIMITS.footer);
    if (isObject(embed.author)) total += maxLength(problems, ['embeds', i, 'author', 'name'], embed.author.name, EMBED_LIMITS.author);
    if (embed.color !== undefined && (typeof embed.color !== 'number' || embed.color < 0 || embed.color > 0xffffff)) {
      problems.push({ path: ['embeds', i, 'color'], code: 'NUMBER_TYPE_MAX', message: 'int value should be less than or equal to 16777215.' });
    }
    if (embed.fields === undefined) return;
    if (!Array.isArray(embed.fields)) return void problems.push({ path: ['embeds', i, 'fields'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    if (embed.fields.length > EMBED_LIMITS.fields) problems.push({ path: ['embeds', i, 'fields'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${EMBED_LIMITS.fields} or fewer in length.` });
    embed.fields.forEach((field, j) => {
      const at: Path = ['embeds', i, 'fields', j];
      if (!isObject(field)) return void problems.push({ path: at, code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' });
      for (const [key, max] of [['name', EMBED_LIMITS.fieldName], ['value', EMBED_LIMITS.fieldValue]] as const) {
        if (typeof field[key] !== 'string' || (field[key] as string).length === 0) problems.push({ path: [...at, key], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
        else total += maxLength(problems, [...at, key], field[key], max);
      }
    });
  });
  if (total > EMBED_LIMITS.total) problems.push({ path: ['embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: `Embed size exceeds maximum size of ${EMBED_LIMITS.total}` });
}

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

function componentProblems(problems: FieldProblem[], rows: unknown): void {
  if (!Array.isArray(rows)) return void problems.push({ path: ['components'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
  if (rows.length > 5) problems.push({ path: ['components'], code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 5 or fewer in length.' });
  const customIds = new Set<string>();
  rows.forEach((row, i) => {
    if (!isObject(row) || row.type !== 1) return void problems.push({ path: ['components', i, 'type'], code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be one of (1,).' });
    const children = row.components;
    if (!Array.isArray(children) || children.length === 0) return void problems.push({ path: ['components', i, 'components'], code: 'BASE_TYPE_MIN_LENGTH', message: 'Must be 1 or more in length.' });
    if (children.length > 5) problems.push({ path: ['components', i, 'components'], code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 5 or fewer in length.' });
    const hasSelect = children.some((c) => isObject(c) && SELECT_TYPES.has(c.type as number));
    if (hasSelect && children.length > 1) problems.push({ path: ['components', i, 'components'], code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', message: 'The specified component exceeds the maximum width' });
    children.forEach((child, j) => {
      const at: Path = ['components', i, 'components', j];
      if (!isObject(child) || (child.type !== 2 && !SELECT_TYPES.has(child.type as number))) {
        return void problems.push({ path: [...at, 'type'], code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).' });
      }
      if (child.type === 2) {
        const style = child.style;
        if (typeof style !== 'number' || style < 1 || style > 6) problems.push({ path: [...at, 'style'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of (1, 2, 3, 4, 5, 6).' });
        maxLength(problems, [...at, 'label'], child.label, 80);
        if (style === 5) {
          if (typeof child.url !== 'string') problems.push({ path: [...at, 'url'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
          if (child.custom_id !== undefined) problems.push({ path: [...at, 'custom_id'], code: 'COMPONENT_INVALID_CUSTOM_ID', message: 'A link button cannot have a custom id' });
          return;
        }
      }
      if (typeof child.custom_id !== 'string' || child.custom_id.length === 0) return void problems.push({ path: [...at, 'custom_id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
      maxLength(problems, [...at, 'custom_id'], child.custom_id, 100);
      if (customIds.has(child.custom_id)) problems.push({ path: [...at, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' });
      customIds.add(child.custom_id);
    });
  });
}

/** Problems with a message body (create, edit, interaction reply); `files` counts uploaded attachments. */
export function messageProblems(body: Json): FieldProblem[] {
  const problems: FieldProblem[] = [];
  maxLength(problems, ['content'], body.content, 2000);
  if (body.embeds !== undefined && body.embeds !== null) embedProblems(problems, body.embeds);
  if (body.components !== undefined && body.components !== null) componentProblems(problems, body.components);
  problems.push(...allowedMentionsProblems(body.allowed_mentions));
  return problems;
}

/** Discord's "Cannot send an empty message" (50006) test for a new message. */
export function isEmptyMessage(body: Json, fileCount: number): boolean {
  const content = typeof body.content === 'string' && body.content.length > 0;
  const some = (key: string) => Array.isArray(body[key]) && (body[key] as unknown[]).length > 0;
  return !content && !some('embeds') && !some('components') && !some('sticker_ids') && fileCount === 0 && body.poll === undefined;
}

export const CHANNEL_TYPES = { text: 0, dm: 1, voice: 2, category: 4, announcement: 5 } as const;

/** Channel body problems; text channel names come back lowercased with dashes, as Discord stores them. */
export function channelProblems(body: Json, creating: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (creating || body.name !== undefined) bounded(problems, ['name'], body.name, 1, 100);
  if (body.type !== undefined && ![0, 2, 4, 5].includes(body.type as number)) problems.push({ path: ['type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {0, 2, 4, 5}.' });
  maxLength(problems, ['topic'], body.topic, 1024);
  if (body.permission_overwrites !== undefined) {
    if (!Array.isArray(body.permission_overwrites)) problems.push({ path: ['permission_overwrites'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    else
      body.permission_overwrites.forEach((o, i) => {
        if (!isObject(o) || typeof o.id !== 'string') problems.push({ path: ['permission_overwrites', i, 'id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
        else if (o.type !== 0 && o.type !== 1) problems.push({ path: ['permission_overwrites', i, 'type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {0, 1}.' });
      });
  }
  return problems;
}

export function normalizeTextChannelName(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '-');
}

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function optionProblems(problems: FieldProblem[], path: Path, options: unknown, depth: number): void {
  if (options === undefined) return;
  if (!Array.isArray(options)) return void problems.push({ path, code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
  if (options.length > 25) problems.push({ path, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
  const names = new Set<string>();
  let optionalSeen = false;
  const kinds = new Set<string>();
  options.forEach((option, i) => {
    const at = [...path, i];
    if (!isObject(option)) return void problems.push({ path: at, code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' });
    const type = option.type as number;
    if (typeof type !== 'number' || type < 1 || type > 11) problems.push({ path: [...at, 'type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of (1..11).' });
    if (typeof option.name !== 'string' || !COMMAND_NAME.test(option.name) || option.name !== option.name.toLowerCase()) {
      problems.push({ path: [...at, 'name'], code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' });
    } else if (names.has(option.name)) problems.push({ path: [...at, 'name'], code: 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', message: 'Option name already exists' });
    else names.add(option.name);
    bounded(problems, [...at, 'description'], option.description, 1, 100);
    kinds.add(type === 1 || type === 2 ? 'sub' : 'value');
    if (type === 1 || type === 2) {
      if (depth >= (type === 2 ? 1 : 2)) problems.push({ path: [...at, 'type'], code: 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', message: 'Subcommands nested too deeply' });
      optionProblems(problems, [...at, 'options'], option.options, depth + 1);
    } else {
      if (option.required === true && optionalSeen) problems.push({ path: [...at, 'required'], code: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', message: 'Required options must be placed before non-required options' });
      if (option.required !== true) optionalSeen = true;
      if (Array.isArray(option.choices) && option.choices.length > 25) problems.push({ path: [...at, 'choices'], code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
    }
  });
  if (kinds.size > 1) problems.push({ path, code: 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', message: 'Subcommands cannot be mixed with other option types' });
}

/** Problems with a bulk-overwrite body: at most 100 chat-input commands, names and descriptions, options. */
export function commandProblems(commands: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!Array.isArray(commands)) return [{ path: [], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }];
  if (commands.length > 100) problems.push({ path: [], code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 100 or fewer in length.' });
  const names = new Set<string>();
  commands.forEach((command, i) => {
    if (!isObject(command)) return void problems.push({ path: [i], code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' });
    const type = (command.type as number | undefined) ?? 1;
    if (typeof command.name !== 'string' || !COMMAND_NAME.test(command.name) || (type === 1 && command.name !== command.name.toLowerCase())) {
      problems.push({ path: [i, 'name'], code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' });
    } else if (names.has(`${type}:${command.name}`)) problems.push({ path: [i, 'name'], code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: 'Application command names must be unique' });
    else names.add(`${type}:${command.name}`);
    if (type === 1) bounded(problems, [i, 'description'], command.description, 1, 100);
    optionProblems(problems, [i, 'options'], command.options, 0);
  });
  return problems;
}
