import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { OfficeAddinManifest } from 'office-addin-manifest'
import { ManifestHandlerXml } from 'office-addin-manifest/lib/manifestHandler/manifestHandlerXml.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll, OFFICE_JS_CDN, OUTLOOK_ICON_SIZES } from './build.js'

/**
 * Offline checks of the built Outlook manifest. `office-addin-manifest validate` posts the
 * file to a Microsoft service (npm run validate:outlook, online only), so these assertions
 * use the package's own reader and cover what the schema and AppSource insist on.
 */

const BACKEND = 'https://crm.example.test/sb'

// xml2js shape: attributes under `$`, every child element an array.
interface XmlElement {
  $?: Record<string, string>
  _?: string
  [child: string]: unknown
}

let dir: string
let manifestPath: string
let officeApp: XmlElement

const child = (element: XmlElement, name: string): XmlElement => {
  const children = element[name] as XmlElement[] | undefined
  const first = children?.[0]
  if (first === undefined) throw new Error(`<${name}> missing`)
  return typeof first === 'string' ? { _: first } : first
}
const text = (element: XmlElement, name: string): string => {
  const value = (element[name] as unknown[] | undefined)?.[0]
  return typeof value === 'string' ? value : (value as XmlElement | undefined)?._ ?? ''
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-outlook-manifest-'))
  await buildAll({ backendUrl: BACKEND, outDir: dir, onWarning: () => {} })
  manifestPath = path.join(dir, 'outlook-addin', 'manifest.xml')
  // Also the well-formedness check: xml2js rejects malformed XML.
  const parsed = await new ManifestHandlerXml(manifestPath).parseXmlAsync() as { OfficeApp: XmlElement }
  officeApp = parsed.OfficeApp
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('Outlook manifest (offline)', () => {
  it('reads as a read-item MailApp for the Mailbox host', async () => {
    const info = await OfficeAddinManifest.readManifestFile(manifestPath)
    expect(info).toMatchObject({
      manifestType: 'xml',
      officeAppType: 'MailApp',
      id: '7348e300-d0b1-48dd-9160-3ac254435bfc',
      version: '1.0.0.0',
      providerName: 'Switchboard',
      displayName: 'Switchboard',
      defaultLocale: 'en-US',
      hosts: ['Mailbox'],
      permissions: 'ReadItem',
      appDomains: ['https://crm.example.test'],
    })
    expect(info.iconUrl).toBe(`${BACKEND}/outlook/assets/icon-64.png`)
    expect(info.highResolutionIconUrl).toBe(`${BACKEND}/outlook/assets/icon-128.png`)
    expect(info.supportUrl).toBe(`${BACKEND}/outlook/support.html`)
  })

  it('keeps the top-level elements in the order the schema requires', () => {
    expect(Object.keys(officeApp).filter((key) => key !== '$')).toEqual([
      'Id', 'Version', 'ProviderName', 'DefaultLocale', 'DisplayName', 'Description', 'IconUrl',
      'HighResolutionIconUrl', 'SupportUrl', 'AppDomains', 'Hosts', 'Requirements', 'FormSettings',
      'Permissions', 'Rule', 'VersionOverrides',
    ])
  })

  it('requires Mailbox 1.1 and activates on read-mode messages', () => {
    const set = child(child(child(officeApp, 'Requirements'), 'Sets'), 'Set')
    expect(set.$).toEqual({ Name: 'Mailbox', MinVersion: '1.1' })
    const form = child(child(officeApp, 'FormSettings'), 'Form')
    expect(form.$?.['xsi:type']).toBe('ItemRead')
    expect(child(child(form, 'DesktopSettings'), 'SourceLocation').$?.DefaultValue).toBe(`${BACKEND}/outlook/taskpane.html`)
    const rule = child(child(officeApp, 'Rule'), 'Rule')
    expect(rule.$).toEqual({ 'xsi:type': 'ItemIs', ItemType: 'Message', FormType: 'Read' })
  })

  it('nests VersionOverrides V1_1 inside V1_0, with a pinnable read-surface task pane', () => {
    const v10 = child(officeApp, 'VersionOverrides')
    expect(v10.$?.['xsi:type']).toBe('VersionOverridesV1_0')
    const v11 = child(v10, 'VersionOverrides')
    expect(v11.$).toMatchObject({ xmlns: 'http://schemas.microsoft.com/office/mailappversionoverrides/1.1', 'xsi:type': 'VersionOverridesV1_1' })
    expect(child(child(v11, 'Requirements'), 'bt:Sets').$?.DefaultMinVersion).toBe('1.3')

    const extensionPoint = child(child(child(child(v11, 'Hosts'), 'Host'), 'DesktopFormFactor'), 'ExtensionPoint')
    expect(extensionPoint.$?.['xsi:type']).toBe('MessageReadCommandSurface')
    const control = child(child(child(extensionPoint, 'OfficeTab'), 'Group'), 'Control')
    const action = child(control, 'Action')
    expect(action.$?.['xsi:type']).toBe('ShowTaskpane')
    expect(text(action, 'SupportsPinning')).toBe('true')
    // SupportsPinning means nothing outside V1_1.
    expect(JSON.stringify(v10.Hosts ?? null)).not.toContain('SupportsPinning')
  })

  it('declares the mobile form factor for reading mail: a MobileButton opening the same pane, icons 25/32/48 at scales 1-3', () => {
    const host = child(child(child(child(officeApp, 'VersionOverrides'), 'VersionOverrides'), 'Hosts'), 'Host')
    const extensionPoint = child(child(host, 'MobileFormFactor'), 'ExtensionPoint')
    expect(extensionPoint.$?.['xsi:type']).toBe('MobileMessageReadCommandSurface')
    const control = child(child(extensionPoint, 'Group'), 'Control')
    expect(control.$?.['xsi:type']).toBe('MobileButton')
    const icon = child(control, 'Icon')
    expect(icon.$?.['xsi:type']).toBe('bt:MobileIconList')
    const images = (icon['bt:Image'] as Array<{ $: { size: string, scale: string } }>).map((i) => `${i.$.size}@${i.$.scale}`)
    expect(images.sort()).toEqual(['25@1', '25@2', '25@3', '32@1', '32@2', '32@3', '48@1', '48@2', '48@3'])
    expect(child(child(control, 'Action'), 'SourceLocation').$?.resid).toBe('Taskpane.Url')
  })

  it('points every URL at the backend, with icons 16/25/32/48/64/80/128', () => {
    const xml = JSON.stringify(officeApp)
    const urls = [...xml.matchAll(/"(https?:\/\/[^"]+)"/g)].map((m) => m[1] ?? '')
      .filter((url) => !url.startsWith('http://schemas.microsoft.com/') && !url.startsWith('http://www.w3.org/'))
    expect(urls.length).toBeGreaterThan(5)
    for (const url of urls) expect(url === 'https://crm.example.test' || url.startsWith(`${BACKEND}/`), url).toBe(true)
    const icons = new Set(urls.flatMap((url) => /icon-(\d+)\.png$/.exec(url)?.[1] ?? []).map(Number))
    expect([...icons].sort((a, b) => a - b)).toEqual([...OUTLOOK_ICON_SIZES])
  })

  it('defines every resource id the ribbon refers to', () => {
    const v11 = child(child(officeApp, 'VersionOverrides'), 'VersionOverrides')
    const json = JSON.stringify(child(v11, 'Hosts'))
    const referenced = new Set([...json.matchAll(/"resid":"([^"]+)"/g)].map((m) => m[1]))
    const resources = JSON.stringify(child(v11, 'Resources'))
    const defined = new Set([...resources.matchAll(/"id":"([^"]+)"/g)].map((m) => m[1]))
    expect(referenced.size).toBeGreaterThan(0)
    for (const id of referenced) expect(defined.has(id), String(id)).toBe(true)
  })
})

describe('Outlook pane build', () => {
  it('loads office.js from Microsoft\'s CDN by default, on both the pane and the sign-in landing page', async () => {
    for (const page of ['taskpane.html', 'signed-in.html']) {
      const html = await readFile(path.join(dir, 'outlook-addin', page), 'utf8')
      expect(html, page).toContain(`<script src="${OFFICE_JS_CDN}"></script>`)
    }
  })

  it('with --office-js local, serves the @microsoft/office-js copy beside the pane instead', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'sb-outlook-local-'))
    try {
      const result = await buildAll({ backendUrl: BACKEND, outDir: out, onWarning: () => {}, officeJs: 'local' })
      for (const page of ['taskpane.html', 'signed-in.html']) {
        const html = await readFile(path.join(out, 'outlook-addin', page), 'utf8')
        expect(html, page).toContain('<script src="office-js/office.js"></script>')
        expect(html, page).not.toContain('appsforoffice.microsoft.com')
      }
      expect(result.files).toEqual(expect.arrayContaining(['outlook-addin/office-js/office.js', 'outlook-addin/office-js/en-us/outlook_strings.js']))
      expect(result.files.some((f) => /office-js\/outlook-web-16\.\d+\.js$/.test(f))).toBe(true)
      // Only Outlook's share of the package: no Excel, Word or debug builds.
      expect(result.files.filter((f) => /excel|word|\.debug\./.test(f))).toEqual([])
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})
