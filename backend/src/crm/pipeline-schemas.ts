import { Type, type Static } from 'typebox'
import { IdSchema, Nullable, StrictObject, TimestampSchema } from '../common-schemas.js'

const StageNameSchema = Type.String({ minLength: 1, maxLength: 80 })
const OutcomeSchema = Nullable(Type.Enum(['won', 'lost'], { description: 'Deals moved here close as won or lost; null keeps them open' }))

export const StageSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  position: Type.Integer(),
  outcome: OutcomeSchema,
})

export const PipelineSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  stages: Type.Array(StageSchema),
  createdAt: TimestampSchema,
})
export type PipelineView = Static<typeof PipelineSchema>

export const CreatePipelineSchema = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  stages: Type.Array(StrictObject({ name: StageNameSchema, outcome: Type.Optional(OutcomeSchema) }), { minItems: 1, maxItems: 30 }),
})

export const UpdatePipelineSchema = StrictObject({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  stages: Type.Optional(Type.Array(StrictObject({
    id: Type.Optional(IdSchema),
    name: StageNameSchema,
    outcome: Type.Optional(OutcomeSchema),
  }), { minItems: 1, maxItems: 30 })),
})
