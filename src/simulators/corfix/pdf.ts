// A completed form rendered as a real PDF. The page shows what tells two
// revisions apart (revision, dates, template), so that a test can see that
// the newest revision is the one that reached Procore.
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { FormRecord } from './state.js';

// The standard Helvetica font encodes WinAnsi only; anything else would make
// pdf-lib throw on a template name typed with, say, an emoji.
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

export async function renderFormPdf(form: FormRecord, projectName: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  // Fixed dates make the bytes a function of the form alone.
  const when = new Date(form.updated_at);
  pdf.setCreationDate(when);
  pdf.setModificationDate(when);
  pdf.setTitle(printable(`${form.template_name} ${form.form_date} (revision ${form.revision})`));
  pdf.setProducer('Corfix simulator');
  pdf.setCreator('Corfix simulator');

  const page = pdf.addPage([595, 842]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  page.drawText(printable(form.template_name), { x: 50, y: 780, size: 20, font: bold, color: rgb(0.1, 0.1, 0.1) });
  const lines = [
    `Project: ${projectName}`,
    `Form date: ${form.form_date}`,
    `Revision: ${form.revision}`,
    `Status: ${form.status}`,
    `Completed at: ${form.completed_at ?? '-'}`,
    `Last changed: ${form.updated_at}`,
    `Form id: ${form.id}`,
  ];
  lines.forEach((line, i) => {
    page.drawText(printable(line), { x: 50, y: 740 - i * 20, size: 12, font: regular });
  });
  return pdf.save();
}
