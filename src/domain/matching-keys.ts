// How a Procore record is compared with what Corfix already has. The caller
// builds its sets of existing numbers, names and emails with these same
// functions, and the rules ask with them, so the two cannot disagree; the
// branded types make the compiler refuse a raw string in their place.

export type EmailKey = string & { readonly __matchingKey: 'email' };
export type ProjectNameKey = string & { readonly __matchingKey: 'project_name' };
export type ProjectNumberKey = string & { readonly __matchingKey: 'project_number' };

/**
 * Emails match ignoring case (Corfix: "unique per account, compared
 * case-insensitively") and ignoring surrounding whitespace, which the
 * integration trims before sending an email to Corfix anyway.
 */
export function emailKey(email: string): EmailKey {
  return email.trim().toLowerCase() as EmailKey;
}

/**
 * Project names match ignoring case but nothing else, like Corfix's `name`
 * filter ("exact match, case-insensitive"): surrounding whitespace counts,
 * so 'Tower ' and 'tower' are different names. Case is folded with
 * toLowerCase (locale-independent); no Unicode normalisation.
 */
export function projectNameKey(name: string): ProjectNameKey {
  return name.toLowerCase() as ProjectNameKey;
}

/** Project numbers match exactly: case and whitespace count ('A-1' is not 'a-1'). */
export function projectNumberKey(projectNumber: string): ProjectNumberKey {
  return projectNumber as ProjectNumberKey;
}
