import type { TemplateDefinitionComponent, TemplateStatus } from '../cloud-api/types.js'

/** A template as the sandbox stores it, in Meta's list shape (`id` is assigned when absent). */
export interface SandboxTemplateInput {
  id?: string
  name: string
  language: string
  status: TemplateStatus
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'
  parameter_format: 'NAMED' | 'POSITIONAL'
  components: TemplateDefinitionComponent[]
  /** Why it was rejected (REJECTED only). */
  rejected_reason?: string
}

/**
 * Templates every sandbox WABA starts with: named and positional parameters, text, image,
 * video, document and location headers, quick-reply / URL / copy-code buttons, several languages, and one each
 * of PENDING and REJECTED so the "not approved" paths are reachable without setup.
 */
export const SEED_TEMPLATES: readonly SandboxTemplateInput[] = [
  {
    name: 'hello_world',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
      { type: 'BODY', text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta.' },
      { type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
    ],
  },
  {
    name: 'order_update',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.com/parcel.jpg'] } },
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped and should arrive on {{3}}.', example: { body_text: [['Ada', '#1042', 'Jan 5']] } },
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'URL', text: 'Track parcel', url: 'https://shop.example.com/track/{{1}}', example: ['https://shop.example.com/track/abc123'] },
          { type: 'QUICK_REPLY', text: 'Stop updates' },
        ],
      },
    ],
  },
  {
    name: 'order_update',
    language: 'es_ES',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.com/parcel.jpg'] } },
      { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} ha sido enviado y llegará el {{3}}.', example: { body_text: [['Ada', '#1042', '5 ene']] } },
      { type: 'FOOTER', text: 'Responde STOP para darte de baja' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'URL', text: 'Seguir envío', url: 'https://shop.example.com/track/{{1}}', example: ['https://shop.example.com/track/abc123'] },
          { type: 'QUICK_REPLY', text: 'No más avisos' },
        ],
      },
    ],
  },
  {
    name: 'welcome_offer',
    language: 'en_US',
    status: 'APPROVED',
    category: 'MARKETING',
    parameter_format: 'NAMED',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'A gift for you, {{first_name}}', example: { header_text_named_params: [{ param_name: 'first_name', example: 'Ada' }] } },
      {
        type: 'BODY',
        text: 'Hi {{first_name}}, enjoy {{discount}} off your next order until {{expiry}}.',
        example: { body_text_named_params: [{ param_name: 'first_name', example: 'Ada' }, { param_name: 'discount', example: '15%' }, { param_name: 'expiry', example: 'Sunday' }] },
      },
      { type: 'FOOTER', text: 'Tap "Not interested" to stop offers' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Shop now' }, { type: 'QUICK_REPLY', text: 'Not interested' }] },
    ],
  },
  {
    name: 'welcome_offer',
    language: 'pt_BR',
    status: 'APPROVED',
    category: 'MARKETING',
    parameter_format: 'NAMED',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Um presente para você, {{first_name}}', example: { header_text_named_params: [{ param_name: 'first_name', example: 'Ada' }] } },
      {
        type: 'BODY',
        text: 'Olá {{first_name}}, aproveite {{discount}} de desconto até {{expiry}}.',
        example: { body_text_named_params: [{ param_name: 'first_name', example: 'Ada' }, { param_name: 'discount', example: '15%' }, { param_name: 'expiry', example: 'domingo' }] },
      },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Comprar' }, { type: 'QUICK_REPLY', text: 'Não tenho interesse' }] },
    ],
  },
  {
    name: 'appointment_reminder',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      {
        type: 'BODY',
        text: 'Hello {{customer_name}}, this is a reminder of your appointment on {{appointment_time}}. Can you make it?',
        example: { body_text_named_params: [{ param_name: 'customer_name', example: 'Ada' }, { param_name: 'appointment_time', example: 'Monday 10:00' }] },
      },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Confirm' }, { type: 'QUICK_REPLY', text: 'Reschedule' }] },
    ],
  },
  {
    name: 'appointment_reminder',
    language: 'de_DE',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      {
        type: 'BODY',
        text: 'Hallo {{customer_name}}, wir erinnern an Ihren Termin am {{appointment_time}}. Passt es Ihnen?',
        example: { body_text_named_params: [{ param_name: 'customer_name', example: 'Ada' }, { param_name: 'appointment_time', example: 'Montag 10:00' }] },
      },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Bestätigen' }, { type: 'QUICK_REPLY', text: 'Verschieben' }] },
    ],
  },
  {
    name: 'verification_code',
    language: 'en_US',
    status: 'APPROVED',
    category: 'AUTHENTICATION',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'BODY', text: '*{{1}}* is your verification code. For your security, do not share this code.', example: { body_text: [['482913']] } },
      { type: 'FOOTER', text: 'This code expires in 10 minutes.' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Copy code', url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}', example: ['https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp482913'] }] },
    ],
  },
  {
    name: 'loyalty_coupon',
    language: 'en_US',
    status: 'APPROVED',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'BODY', text: 'Thanks for being with us, {{1}}! Here is {{2}} off your next visit.', example: { body_text: [['Ada', '10%']] } },
      { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', text: 'Copy offer code', example: ['SAVE10'] }] },
    ],
  },
  {
    name: 'store_opening',
    language: 'en_US',
    status: 'APPROVED',
    category: 'MARKETING',
    parameter_format: 'NAMED',
    components: [
      { type: 'HEADER', format: 'LOCATION' },
      {
        type: 'BODY',
        text: 'Hi {{first_name}}, our new store opens on {{opening_day}}. Tap the map for directions.',
        example: { body_text_named_params: [{ param_name: 'first_name', example: 'Ada' }, { param_name: 'opening_day', example: 'Saturday' }] },
      },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'I will come' }, { type: 'QUICK_REPLY', text: 'Stop promotions' }] },
    ],
  },
  {
    name: 'invoice_ready',
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['https://example.com/invoice.pdf'] } },
      { type: 'BODY', text: 'Hello {{1}}, your invoice {{2}} is attached.', example: { body_text: [['Ada', 'INV-1042']] } },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Question about it' }] },
    ],
  },
  {
    name: 'product_video',
    language: 'en_US',
    status: 'APPROVED',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'VIDEO', example: { header_handle: ['https://example.com/demo.mp4'] } },
      { type: 'BODY', text: 'Hi {{1}}, see what is new this month.', example: { body_text: [['Ada']] } },
    ],
  },
  {
    name: 'spring_sale',
    language: 'en_US',
    status: 'PENDING',
    category: 'MARKETING',
    parameter_format: 'NAMED',
    components: [
      { type: 'BODY', text: 'Spring sale, {{first_name}}: everything {{discount}} off this week only.', example: { body_text_named_params: [{ param_name: 'first_name', example: 'Ada' }, { param_name: 'discount', example: '20%' }] } },
    ],
  },
  {
    name: 'crypto_giveaway',
    language: 'en_US',
    status: 'REJECTED',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    rejected_reason: 'SCAM',
    components: [
      { type: 'BODY', text: 'Congratulations {{1}}! You won 2 BTC. Claim now.', example: { body_text: [['Ada']] } },
    ],
  },
]
