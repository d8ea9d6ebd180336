// ESLint flat config: typescript-eslint's type-aware recommended rules over all TypeScript.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'test/artifacts/', '.local-data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The domain core knows nothing of AWS, HTTP frameworks or the local stack: arrows point inward.
    files: ['lambdas/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@aws-sdk/*',
            '@aws-lambda-powertools/*',
            '@middy/*',
            '**/adapters/**',
            '**/handlers/**',
            '**/local/**',
          ],
        },
      ],
    },
  },
  {
    files: ['lambdas/**/*.ts'],
    ignores: ['lambdas/core/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/local/**', '**/test/**'] }] },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
