import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'it',
          property: 'only',
          message: 'a committed .only skips the rest of the suite',
        },
        {
          object: 'describe',
          property: 'only',
          message: 'a committed .only skips the rest of the suite',
        },
        {
          object: 'test',
          property: 'only',
          message: 'a committed .only skips the rest of the suite',
        },
      ],
    },
  },
);
