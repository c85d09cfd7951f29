// The domain reads Procore records exactly as the Procore client hands them
// over: what projectSchema / userSchema parse from Procore's JSON goes into
// the rules as it is, with no mapping in between. Checked by the type
// checker (the assignments below) and at run time (the decisions).

import type {
  ProcoreCompanyUser as DomainUser,
  ProcoreProjectRecord as DomainProject,
} from '../../src/domain/procore-records.js';
import { decideProject } from '../../src/domain/project-decision.js';
import { decideWorker } from '../../src/domain/worker-decision.js';
import {
  projectSchema,
  userSchema,
  type ProcoreProject as ClientProject,
  type ProcoreUser as ClientUser,
} from '../../src/procore/schemas.js';
import { COMPANY_ID, TODAY } from './procore-fixtures.js';

// Raw bodies as Procore sends them: snake_case, ids as JSON numbers or (beyond
// 2^53) strings, fields the rules do not read included.
const RAW_PROJECT = `{
  "id": 562949953421312,
  "name": "Harbour Tower",
  "display_name": "HT-001 - Harbour Tower",
  "project_number": "HT-001",
  "description": "Internal: phase 2 budget",
  "public_notes": "Site office at gate B",
  "address": "12 Quay Street",
  "city": "Auckland",
  "state_code": "AUK",
  "country_code": "NZ",
  "zip": "1010",
  "active": false,
  "start_date": "2026-03-16",
  "completion_date": null,
  "template": false,
  "is_demo": false,
  "created_at": "2026-01-02T09:00:00Z",
  "updated_at": "2026-03-01T10:00:00Z"
}`;

const RAW_USER = `{
  "id": "9007199254740993",
  "login": "aroha.ngata@example.com",
  "name": "Aroha Ngata",
  "first_name": "Aroha",
  "last_name": "Ngata",
  "email_address": " aroha.ngata@example.com ",
  "mobile_phone": null,
  "business_phone": "+64 9 555 0199",
  "employee_id": 417,
  "is_employee": true,
  "is_active": true,
  "updated_at": "2026-03-01T10:00:00Z"
}`;

describe("the domain takes the Procore client's records as they are", () => {
  test('a client project and user are domain records, by type', () => {
    type Assignable<A, B> = [A] extends [B] ? true : false;
    const project: Assignable<ClientProject, DomainProject> = true;
    const user: Assignable<ClientUser, DomainUser> = true;
    expect([project, user]).toEqual([true, true]);
  });

  test('a parsed Procore project goes straight into decideProject', () => {
    const project: ClientProject = projectSchema.parse(JSON.parse(RAW_PROJECT));
    const decision = decideProject(project, {
      companyId: COMPANY_ID,
      today: TODAY,
      linked: false,
      selected: true,
      adoptExisting: false,
      corfixProjectsWithNumber: () => [],
      corfixProjectsWithName: () => [],
    });
    expect(decision).toMatchObject({
      outcome: 'created',
      reason: 'created',
      fields: {
        name: 'Harbour Tower',
        project_number: 'HT-001',
        private_description: 'Internal: phase 2 budget',
        public_info: 'Site office at gate B',
        street_address: '12 Quay Street',
        city: 'Auckland',
        state: 'AUK',
        country: 'NZ',
        zip: '1010',
        status: 'upcoming',
        external_ref: `procore:${COMPANY_ID}:project:562949953421312`,
      },
    });
  });

  test('a parsed Procore user goes straight into decideWorker', () => {
    const user: ClientUser = userSchema.parse(JSON.parse(RAW_USER));
    const decision = decideWorker(user, {
      companyId: COMPANY_ID,
      linked: false,
      serviceAccountUserId: '18014398509481985',
      syncEmployeesOnly: true,
      automaticallyActivateWorkers: true,
      adoptExisting: false,
      corfixWorkersWithEmail: () => [],
    });
    expect(decision).toMatchObject({
      outcome: 'created',
      reason: 'created',
      activate: true,
      fields: {
        first_name: 'Aroha',
        last_name: 'Ngata',
        email: 'aroha.ngata@example.com',
        phone_number: '+64 9 555 0199',
        employee_number: '417',
        external_ref: `procore:${COMPANY_ID}:user:9007199254740993`,
      },
    });
  });
});
