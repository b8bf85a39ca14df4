"""FHIR R4: the questionnaires as Questionnaire resources, an intake as a QuestionnaireResponse
with Observations, and an assessment as a transaction Bundle. Loaded only for FHIR documents
and the `assess fhir` commands."""
