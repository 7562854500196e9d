/**
 * E-mail templates: data, not code. `{{name}}` is replaced by the variable (HTML-escaped in the
 * HTML body). An embedding app overrides any of them with `createEngine({ notifications:
 * { mailTemplates: { welcome: {...} } } })` (or the same option of `createDefaultEngine`).
 */
export interface MailTemplate {
  subject: string;
  text: string;
  html: string;
}

/** The e-mails Emporia sends, one template each. */
export type MailTemplateName =
  | 'welcome'
  | 'order_placed'
  | 'guest_order_placed'
  | 'guest_order_placed_token'
  | 'payment_succeeded'
  | 'payment_failed'
  | 'refund_completed'
  | 'stock_low'
  | 'password_reset'
  | 'email_verification';
/** A template for every e-mail; `notifications.mailTemplates` replaces any of them. */
export type MailTemplates = Record<MailTemplateName, MailTemplate>;

const footer = {
  text: '\n\n— {{shop_name}}',
  html: '<p style="color:#666">— {{shop_name}}</p>',
};

/**
 * The built-in templates (welcome, order placed, payment succeeded and failed, refund, stock low,
 * password reset, e-mail verification); start from one of them to write your own. The last two get
 * `{{token}}` (what the storefront posts to `/api/auth/password-reset/confirm` or
 * `/api/auth/verify-email`) and `{{expires_in}}`: a template of your own would put the token into
 * a link to your storefront (`https://shop.example/reset?token={{token}}`). A guest's order
 * confirmation is `guest_order_placed` with `{{order_url}}` (`STOREFRONT_URL` set) or
 * `guest_order_placed_token` with `{{order_token}}` (unset); both get `{{order_number}}` and `{{total}}`.
 */
export const defaultMailTemplates: MailTemplates = {
  welcome: {
    subject: 'Welcome to {{shop_name}}',
    text: 'Hello {{name}},\n\nyour account {{email}} is ready. Happy shopping!' + footer.text,
    html: '<p>Hello {{name}},</p><p>your account <b>{{email}}</b> is ready. Happy shopping!</p>' + footer.html,
  },
  order_placed: {
    subject: 'Order {{order_number}} received',
    text:
      'Hello {{name}},\n\nthank you for your order {{order_number}} of {{total}}. We will let you know when it ships.' +
      footer.text,
    html:
      '<p>Hello {{name}},</p><p>thank you for your order <b>{{order_number}}</b> of <b>{{total}}</b>. We will let you know when it ships.</p>' +
      footer.html,
  },
  guest_order_placed: {
    subject: 'Order {{order_number}} received',
    text:
      'Hello,\n\nthank you for your order {{order_number}} of {{total}}. Follow it, and pay for it, here:\n\n{{order_url}}\n\nKeep this link to yourself: it opens your order without an account.' +
      footer.text,
    html:
      '<p>Hello,</p><p>thank you for your order <b>{{order_number}}</b> of <b>{{total}}</b>. <a href="{{order_url}}">Follow it, and pay for it, here</a>.</p><p>Keep this link to yourself: it opens your order without an account.</p>' +
      footer.html,
  },
  guest_order_placed_token: {
    subject: 'Order {{order_number}} received',
    text:
      'Hello,\n\nthank you for your order {{order_number}} of {{total}}. Your order token, which opens the order without an account (GET /api/orders/{{order_number}} with the header X-Order-Token):\n\n{{order_token}}\n\nKeep it to yourself.' +
      footer.text,
    html:
      '<p>Hello,</p><p>thank you for your order <b>{{order_number}}</b> of <b>{{total}}</b>. Your order token, which opens the order without an account (<code>GET /api/orders/{{order_number}}</code> with the header <code>X-Order-Token</code>):</p><p><code>{{order_token}}</code></p><p>Keep it to yourself.</p>' +
      footer.html,
  },
  payment_succeeded: {
    subject: 'Payment received for order {{order_number}}',
    text: 'Hello {{name}},\n\nwe received your payment of {{amount}} for order {{order_number}}.' + footer.text,
    html:
      '<p>Hello {{name}},</p><p>we received your payment of <b>{{amount}}</b> for order <b>{{order_number}}</b>.</p>' +
      footer.html,
  },
  payment_failed: {
    subject: 'Payment failed for order {{order_number}}',
    text:
      'Hello {{name}},\n\nyour payment of {{amount}} for order {{order_number}} did not go through. Please try again.' +
      footer.text,
    html:
      '<p>Hello {{name}},</p><p>your payment of <b>{{amount}}</b> for order <b>{{order_number}}</b> did not go through. Please try again.</p>' +
      footer.html,
  },
  refund_completed: {
    subject: 'Refund of {{amount}} for order {{order_number}}',
    text:
      'Hello {{name}},\n\nwe refunded {{amount}} for order {{order_number}}. It reaches you the way you paid.' +
      footer.text,
    html:
      '<p>Hello {{name}},</p><p>we refunded <b>{{amount}}</b> for order <b>{{order_number}}</b>. It reaches you the way you paid.</p>' +
      footer.html,
  },
  stock_low: {
    subject: 'Low stock: {{sku}} ({{stock}} left)',
    text: 'Stock of {{sku}} fell to {{stock}} (alert level {{threshold}}). Product {{product_id}}.' + footer.text,
    html:
      '<p>Stock of <b>{{sku}}</b> fell to <b>{{stock}}</b> (alert level {{threshold}}). Product {{product_id}}.</p>' +
      footer.html,
  },
  password_reset: {
    subject: 'Reset your {{shop_name}} password',
    text:
      'Hello {{name}},\n\nsomeone asked to reset the password of {{email}}. Your reset code, valid for {{expires_in}} and usable once:\n\n{{token}}\n\nIf it was not you, ignore this e-mail: your password stays as it is.' +
      footer.text,
    html:
      '<p>Hello {{name}},</p><p>someone asked to reset the password of <b>{{email}}</b>. Your reset code, valid for {{expires_in}} and usable once:</p><p><code>{{token}}</code></p><p>If it was not you, ignore this e-mail: your password stays as it is.</p>' +
      footer.html,
  },
  email_verification: {
    subject: 'Confirm your e-mail address for {{shop_name}}',
    text:
      'Hello {{name}},\n\nplease confirm that {{email}} is your address. Your confirmation code, valid for {{expires_in}}:\n\n{{token}}' +
      footer.text,
    html:
      '<p>Hello {{name}},</p><p>please confirm that <b>{{email}}</b> is your address. Your confirmation code, valid for {{expires_in}}:</p><p><code>{{token}}</code></p>' +
      footer.html,
  },
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function fill(template: string, vars: Record<string, string | number>, escape: boolean): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, key: string) => {
    const value = String(vars[key] ?? '');
    return escape ? value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]) : value;
  });
}

/** Renders a template: variables go into subject and text as they are, into HTML escaped. */
export function renderMail(template: MailTemplate, vars: Record<string, string | number>): MailTemplate {
  return {
    // A subject is one header line: a newline in a variable must not start another header.
    subject: fill(template.subject, vars, false).replace(/[\r\n]+/g, ' '),
    text: fill(template.text, vars, false),
    html: fill(template.html, vars, true),
  };
}
