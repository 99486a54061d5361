"""LTI 1.3 (LTI Advantage): Feynlab as a tool in an LMS. Launch, deep linking, grade passback
(AGS) through an outbox, roster sync (NRPS). JWTs are checked by joserfc; see docs/lti.md."""
