/** The privacy views the web app reads: accesses to a person's record and the alerts the anomaly rules raised. */

export interface Access {
  access: string;
  org: string;
  role: string;
  purpose: string;
  fields: string[];
  decision: 'allowed' | 'denied';
  reason: string;
  caseRef?: string;
  at: number;
}

export interface AlertRecord {
  access: string;
  rule: string;
  detail: string;
  org: string;
  role: string;
  at: number;
}
