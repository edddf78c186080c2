/**
 * The Block Kit limits Slack enforces before it accepts a message or a view. Each problem is
 * reported the way Slack words it in `errors` of an `invalid_blocks` answer:
 * `<message> [json-pointer:/blocks/0/text/text]`.
 */

export type BlockSurface = 'message' | 'modal';

const MAX_BLOCKS: Record<BlockSurface, number> = { message: 50, modal: 100 };
const BLOCK_TYPES = new Set(['section', 'divider', 'image', 'actions', 'context', 'header', 'input', 'rich_text', 'file', 'video', 'markdown']);
const INTERACTIVE_ELEMENTS = new Set([
  'button',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'email_text_input',
  'number_input',
  'url_text_input',
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: string[] = [];
  add(pointer: string, message: string): void {
    this.list.push(`${message} [json-pointer:${pointer}]`);
  }
}

function checkText(problems: Problems, pointer: string, value: unknown, max: number, only?: 'plain_text'): void {
  if (!isObject(value)) return problems.add(pointer, 'must provide an object');
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') return problems.add(`${pointer}/type`, 'must be a valid enum value');
  if (only && value.type !== only) return problems.add(`${pointer}/type`, `must be ${only}`);
  if (typeof value.text !== 'string') return problems.add(`${pointer}/text`, 'must provide a string');
  if (value.text.length === 0) problems.add(`${pointer}/text`, 'must be more than 0 characters');
  if (value.text.length > max) problems.add(`${pointer}/text`, `must be less than ${max + 1} characters`);
}

function checkMaxString(problems: Problems, pointer: string, value: unknown, max: number, required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') return problems.add(pointer, 'must provide a string');
  if (value.length > max) problems.add(pointer, `must be less than ${max + 1} characters`);
}

function checkElement(problems: Problems, pointer: string, element: unknown): void {
  if (!isObject(element)) return problems.add(pointer, 'must provide an object');
  if (typeof element.type !== 'string' || (!INTERACTIVE_ELEMENTS.has(element.type) && element.type !== 'image')) {
    return problems.add(`${pointer}/type`, 'must be a valid enum value');
  }
  checkMaxString(problems, `${pointer}/action_id`, element.action_id, 255);
  if (element.type === 'button') {
    checkText(problems, `${pointer}/text`, element.text, 75, 'plain_text');
    checkMaxString(problems, `${pointer}/value`, element.value, 2000);
    checkMaxString(problems, `${pointer}/url`, element.url, 3000);
    if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
      problems.add(`${pointer}/style`, 'must be a valid enum value');
    }
  }
  if (element.placeholder !== undefined) checkText(problems, `${pointer}/placeholder`, element.placeholder, 150, 'plain_text');
  if (Array.isArray(element.options)) {
    if (element.options.length > 100) problems.add(`${pointer}/options`, 'no more than 100 items allowed');
    element.options.forEach((option, i) => {
      const at = `${pointer}/options/${i}`;
      if (!isObject(option)) return problems.add(at, 'must provide an object');
      checkText(problems, `${at}/text`, option.text, 75);
      checkMaxString(problems, `${at}/value`, option.value, 150, true);
    });
  }
}

function checkBlock(problems: Problems, pointer: string, block: unknown, surface: BlockSurface): void {
  if (!isObject(block)) return problems.add(pointer, 'must provide an object');
  if (typeof block.type !== 'string' || !BLOCK_TYPES.has(block.type)) return problems.add(`${pointer}/type`, 'must be a valid enum value');
  checkMaxString(problems, `${pointer}/block_id`, block.block_id, 255);
  switch (block.type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) problems.add(pointer, 'must provide either text or fields');
      if (block.text !== undefined) checkText(problems, `${pointer}/text`, block.text, 3000);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) problems.add(`${pointer}/fields`, 'must provide an array');
        else {
          if (block.fields.length > 10) problems.add(`${pointer}/fields`, 'no more than 10 items allowed');
          block.fields.forEach((field, i) => checkText(problems, `${pointer}/fields/${i}`, field, 2000));
        }
      }
      if (block.accessory !== undefined) checkElement(problems, `${pointer}/accessory`, block.accessory);
      break;
    }
    case 'header':
      checkText(problems, `${pointer}/text`, block.text, 150, 'plain_text');
      break;
    case 'actions': {
      if (!Array.isArray(block.elements) || block.elements.length === 0) return problems.add(`${pointer}/elements`, 'must provide a non-empty array');
      if (block.elements.length > 25) problems.add(`${pointer}/elements`, 'no more than 25 items allowed');
      const seen = new Set<string>();
      block.elements.forEach((element, i) => {
        checkElement(problems, `${pointer}/elements/${i}`, element);
        const actionId = isObject(element) ? element.action_id : undefined;
        if (typeof actionId === 'string') {
          if (seen.has(actionId)) problems.add(`${pointer}/elements/${i}/action_id`, `duplicate action_id '${actionId}'`);
          seen.add(actionId);
        }
      });
      break;
    }
    case 'context': {
      if (!Array.isArray(block.elements) || block.elements.length === 0) return problems.add(`${pointer}/elements`, 'must provide a non-empty array');
      if (block.elements.length > 10) problems.add(`${pointer}/elements`, 'no more than 10 items allowed');
      block.elements.forEach((element, i) => {
        if (isObject(element) && element.type === 'image') checkMaxString(problems, `${pointer}/elements/${i}/alt_text`, element.alt_text, 2000, true);
        else checkText(problems, `${pointer}/elements/${i}`, element, 3000);
      });
      break;
    }
    case 'image':
      checkMaxString(problems, `${pointer}/image_url`, block.image_url, 3000, block.slack_file === undefined);
      checkMaxString(problems, `${pointer}/alt_text`, block.alt_text, 2000, true);
      if (block.title !== undefined) checkText(problems, `${pointer}/title`, block.title, 2000, 'plain_text');
      break;
    case 'markdown':
      checkMaxString(problems, `${pointer}/text`, block.text, 12000, true);
      break;
    case 'input':
      if (surface !== 'modal') problems.add(`${pointer}/type`, 'input blocks are only allowed in modals and Home tabs');
      checkText(problems, `${pointer}/label`, block.label, 2000, 'plain_text');
      checkElement(problems, `${pointer}/element`, block.element);
      break;
    default:
      break;
  }
}

/** Slack's answer to a `blocks` argument: the problems, empty when Slack would accept it. */
export function blockKitProblems(blocks: unknown, surface: BlockSurface = 'message'): string[] {
  const problems = new Problems();
  if (!Array.isArray(blocks)) {
    problems.add('/blocks', 'must provide an array');
    return problems.list;
  }
  if (blocks.length > MAX_BLOCKS[surface]) problems.add('/blocks', `no more than ${MAX_BLOCKS[surface]} items allowed`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    checkBlock(problems, `/blocks/${i}`, block, surface);
    const blockId = isObject(block) ? block.block_id : undefined;
    if (typeof blockId === 'string') {
      if (blockIds.has(blockId)) problems.add(`/blocks/${i}/block_id`, `duplicate block_id '${blockId}'`);
      blockIds.add(blockId);
    }
  });
  return problems.list;
}

/** A modal's own limits (title 24, submit/close 24, callback_id 255) plus its blocks. */
export function modalProblems(view: unknown): string[] {
  const problems = new Problems();
  if (!isObject(view)) {
    problems.add('/view', 'must provide an object');
    return problems.list;
  }
  if (view.type !== 'modal' && view.type !== 'home') problems.add('/view/type', 'must be a valid enum value');
  if (view.type === 'modal') checkText(problems, '/view/title', view.title, 24, 'plain_text');
  if (view.submit !== undefined) checkText(problems, '/view/submit', view.submit, 24, 'plain_text');
  if (view.close !== undefined) checkText(problems, '/view/close', view.close, 24, 'plain_text');
  checkMaxString(problems, '/view/callback_id', view.callback_id, 255);
  checkMaxString(problems, '/view/private_metadata', view.private_metadata, 3000);
  return [...problems.list, ...blockKitProblems(view.blocks, 'modal').map((p) => p.replace('[json-pointer:/blocks', '[json-pointer:/view/blocks'))];
}
