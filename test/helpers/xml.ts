/**
 * XML for the JUnit tests: a small strict parser (no package in node_modules parses XML) and,
 * where python3 is installed, a second opinion from Python's xml.etree.ElementTree, a real
 * XML parser. The strict parser refuses what a conforming parser refuses in the files bp-train
 * writes: a bare & or <, an unknown entity, mismatched or unclosed tags, a second root,
 * duplicate attributes, text outside the root.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`XML: bare < or & in ${where}: ${JSON.stringify(raw)}`);
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e],
  );
}

export function parseXml(text: string): XmlElement {
  let pos = 0;
  const prolog = /^<\?xml [^?]*\?>\s*/.exec(text);
  if (prolog) pos = prolog[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const chunk = text.slice(pos, lt === -1 ? text.length : lt);
    if (stack.length === 0 && chunk.trim() !== '') throw new Error(`XML: text outside the root at ${pos}`);
    if (stack.length > 0) stack[stack.length - 1].text += decode(chunk, `<${stack[stack.length - 1].name}>`);
    if (lt === -1) break;
    const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(text.slice(lt));
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== close[1]) throw new Error(`XML: </${close[1]}> closes ${open ? `<${open.name}>` : 'nothing'}`);
      if (open.children.length > 0 && open.text.trim() === '') open.text = ''; // indentation between children
      pos = lt + close[0].length;
      continue;
    }
    const tag = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(lt));
    if (!tag) throw new Error(`XML: malformed tag at ${lt}: ${JSON.stringify(text.slice(lt, lt + 40))}`);
    const element: XmlElement = { name: tag[1], attributes: {}, children: [], text: '' };
    for (const m of tag[2].matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      if (m[1] in element.attributes) throw new Error(`XML: duplicate attribute ${m[1]} on <${tag[1]}>`);
      element.attributes[m[1]] = decode(m[2] ?? m[3], `attribute ${m[1]}`);
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else if (root !== null) throw new Error(`XML: a second root element <${tag[1]}>`);
    else root = element;
    if (tag[3] !== '/') stack.push(element);
    pos = lt + tag[0].length;
  }
  if (stack.length > 0) throw new Error(`XML: <${stack[stack.length - 1].name}> is never closed`);
  if (root === null) throw new Error('XML: no root element');
  return root;
}

/** The same tree from Python's ElementTree, or null when python3 is not installed. */
export function parseXmlWithPython(file: string): XmlElement | null {
  if (spawnSync('python3', ['-c', 'import xml.etree.ElementTree'], { stdio: 'ignore' }).status !== 0) return null;
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'def own(e): return (e.text or "") + "".join(c.tail or "" for c in e)',
    'def text(e): return own(e) if len(e) == 0 or own(e).strip() else ""',
    'def tree(e): return {"name": e.tag, "attributes": dict(e.attrib), "children": [tree(c) for c in e], "text": text(e)}',
    'print(json.dumps(tree(ET.parse(sys.argv[1]).getroot())))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as XmlElement;
}

export function childrenNamed(e: XmlElement, name: string): XmlElement[] {
  return e.children.filter((c) => c.name === name);
}
